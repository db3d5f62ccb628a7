#!/usr/bin/env node
import { CommanderError } from 'commander';
import { CliError, EXIT } from './errors';
import { sanitize } from './output';
import { createProgram } from './program';
import { SettingsError } from './settings';

/** Runs the CLI; failures become one line on stderr and an exit code, never a stack trace. */
export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const program = createProgram(env, (line) => process.stderr.write(`${sanitize(line)}\n`));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    // Commander has printed its message (or the help) already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof CliError) {
      process.stderr.write(`firebreak: ${sanitize(error.message)}\n`);
      return error.exitCode;
    }
    if (error instanceof SettingsError) {
      process.stderr.write(`firebreak: ${sanitize(error.message)}\n`);
      return EXIT.error;
    }
    process.stderr.write(`firebreak: unexpected error: ${sanitize(error instanceof Error ? error.message : String(error))}\n`);
    return EXIT.error;
  }
}

if (require.main === module) {
  void run(process.argv.slice(2), process.env).then((code) => {
    // exitCode rather than exit(): what is piped to stdout is flushed first.
    process.exitCode = code;
  });
}
