import { availableParallelism } from 'node:os';

export const MAX_INGRESS_WORKERS = 64;

/**
 * How many ingress processes share the port: FIREBREAK_INGRESS_WORKERS, or by default 2 on a machine
 * with 4 cores or more and 1 below. Each worker parses and publishes on its own core, but nats-server
 * (which must ack every alert), Postgres and the other services need cores too: on the 2-core
 * development box a second worker gained nothing measurable and cost ~250 MB of idle memory.
 */
export function ingressWorkerCount(value: string | undefined, cores = availableParallelism()): number {
  if (value === undefined || value.trim() === '' || value.trim() === 'auto') return cores >= 4 ? 2 : 1;
  const count = Number(value.trim());
  if (!Number.isInteger(count) || count < 1 || count > MAX_INGRESS_WORKERS) {
    throw new Error(`FIREBREAK_INGRESS_WORKERS must be a whole number from 1 to ${MAX_INGRESS_WORKERS}, or "auto"; got "${value}"`);
  }
  return count;
}
