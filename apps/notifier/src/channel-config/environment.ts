/**
 * channels.yaml references its secrets by any `${NAME}` the operator chooses, so they cannot be
 * listed in the service's env schema; this is the one place the notifier reads the environment.
 */
export function processEnvironment(): NodeJS.ProcessEnv {
  // eslint-disable-next-line no-restricted-syntax -- see above: arbitrary ${ENV} references of channels.yaml
  return process.env;
}
