import { Command, Option } from 'commander';
import { ApiClient } from './client';
import * as alert from './commands/alert';
import * as approval from './commands/approval';
import * as detector from './commands/detector';
import * as execution from './commands/execution';
import * as mcp from './commands/mcp';
import * as runbook from './commands/runbook';
import * as silence from './commands/silence';
import * as slo from './commands/slo';
import * as configCheck from './config-check/register';
import { CliContext, OutputFormat } from './context';
import * as routes from './routes/register';
import { CliSettings, resolveSettings, SERVICES } from './settings';

const ENV_HELP = [
  '',
  'Configuration (a flag wins over the environment, which wins over the file, which wins over the default):',
  '  --config PATH / $XDG_CONFIG_HOME/firebreak/config.yml / ~/.config/firebreak/config.yml',
  '      token: <API token>',
  '      urls: { mapper: http://…, runbook-executor: http://…, … }',
  '    The file holds a token: keep it chmod 600. If group or others can read it, the CLI warns on stderr',
  '    (and still uses it).',
  '  FIREBREAK_TOKEN                    API token (--token overrides it; prefer this: --token shows in ps)',
  ...Object.entries(SERVICES)
    .sort(([, a], [, b]) => a.port - b.port)
    .map(([name, spec]) => `  ${spec.env.padEnd(34)} ${name} (default http://127.0.0.1:${spec.port})`),
  '',
  'Exit codes:',
  '  0  ok',
  '  1  the API refused or failed, or bad input (silence expire: some ids failed, each named on stderr)',
  '  2  usage (unknown command or option, an id that cannot be one)',
  '  3  a service cannot be reached (nothing was sent), or a read got no answer: safe to retry',
  '  4  a change was sent but no answer came back: it may have taken effect; check (show/list) before retrying',
].join('\n');

/** The `firebreak` program with every command group; `env` is the environment settings are read from. */
export function createProgram(env: NodeJS.ProcessEnv, onWarning: (line: string) => void): Command {
  const program = new Command('firebreak')
    .description(
      "Firebreak from the terminal: alerts, silences, runbooks, executions, approvals, SLOs and detectors over the services' APIs",
    )
    .addOption(new Option('-o, --output <format>', 'table or json (the API JSON, for scripts)').choices(['table', 'json']).default('table'))
    .option('--config <path>', 'config file (token:, urls:)')
    .option(
      '--token <token>',
      'API token (overrides FIREBREAK_TOKEN and the config file; other users see it in ps: prefer FIREBREAK_TOKEN)',
    )
    .addHelpText('after', ENV_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  let settings: CliSettings | undefined;
  let client: ApiClient | undefined;
  const ctx: CliContext = {
    get output(): OutputFormat {
      return program.opts<{ output: OutputFormat }>().output;
    },
    settings() {
      if (!settings) {
        const opts = program.opts<{ config?: string; token?: string }>();
        settings = resolveSettings({ env, configPath: opts.config, token: opts.token });
        settings.warnings.forEach(onWarning);
      }
      return settings;
    },
    client() {
      return (client ??= new ApiClient(ctx.settings()));
    },
  };

  for (const group of [alert, silence, runbook, execution, approval, slo, detector, routes, configCheck, mcp]) group.register(program, ctx);
  return program;
}
