import { Command } from 'commander';
import { CliContext } from '../context';
import { CliError } from '../errors';
import { printJson, sanitize } from '../output';
import { checkConfig, reportLines } from './check-config';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('check-config')
    .description(
      "validate a config directory offline with the services' own loaders (channels, mappings, escalation, runbooks, " +
        'detectors, SLOs, automation, connections, services): exit 0 when all pass, 1 otherwise, 2 when DIR is missing',
    )
    .argument('<dir>', 'the config directory, e.g. config')
    .option('--runbooks <dir>', 'the runbooks directory (default: DIR/runbooks, else DIR/../runbooks, else ./runbooks)')
    .action(async (dir: string, options: { runbooks?: string }) => {
      const result = await checkConfig(dir, { runbooksDir: options.runbooks });
      if (ctx.output === 'json') printJson(result);
      // File contents (names, matchers) come back in the problems: sanitised like every line printed.
      else process.stdout.write(reportLines(result).map(sanitize).join('\n') + '\n');
      const failing = result.files.filter((file) => !file.ok).length;
      if (failing > 0) throw new CliError(`${failing} of ${result.files.length} config files have problems`);
    });
}
