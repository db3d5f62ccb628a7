import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import pino from 'pino';
import { buildConfig, ConfigError } from '@firebreak/platform';
import { ChannelRegistry } from './channel-config/channel-registry';
import { processEnvironment } from './channel-config/environment';
import { SERVICE } from './service';

// --- the same in every service's check-config.ts (apps may not share code outside libs/) ---
export interface FileCheck {
  file: string;
  ok: boolean;
  problems: string[];
  notes: string[];
}

const UNSET = /: references \$\{[A-Z_][A-Z0-9_]*\}, which is not set$/;

/**
 * Runs one loader the service runs at start over `files` (absolute paths); each ConfigError problem goes to the
 * file it names. An unset `${VAR}` is the deployment's business, not the file's: a note, not a problem.
 */
export function check(files: string[], load: () => string[] | void): FileCheck[] {
  let problems: string[] = [];
  let notes: string[] = [];
  try {
    notes = load() ?? [];
  } catch (error) {
    problems = error instanceof ConfigError ? error.problems : [`${files[0]}: cannot check (${(error as Error).message})`];
  }
  const owner = (text: string) => files.find((file) => text.startsWith(`${file}: `)) ?? files[0];
  return files
    .filter((file) => existsSync(file) || problems.some((text) => owner(text) === file))
    .map((file) => {
      const own = (texts: string[]) =>
        texts.filter((text) => owner(text) === file).map((text) => (text.startsWith(`${file}: `) ? text.slice(file.length + 2) : text));
      const fileProblems = own(problems.filter((text) => !UNSET.test(text)));
      const fileNotes = [...own(notes), ...own(problems.filter((text) => UNSET.test(text)))];
      return { file, ok: fileProblems.length === 0, problems: fileProblems, notes: fileNotes };
    });
}

function report(files: FileCheck[]): void {
  const ok = files.every((file) => file.ok);
  process.stdout.write(`${JSON.stringify({ ok, files })}\n`);
  process.exitCode = ok ? 0 : 1;
}
// ---

/**
 * `node dist/apps/notifier/src/check-config.js DIR`: channels.yaml (channels, routes, matchers) checked offline with
 * the loader the notifier runs at start; a channel whose `${VAR}` is unset here is reported disabled, as a note.
 * `{ ok, files }` as JSON on stdout, exit 0 or 1.
 */
export function checkNotifierConfig(dir: string, env: NodeJS.ProcessEnv): FileCheck[] {
  const config = buildConfig(SERVICE, { FIREBREAK_CONFIG_DIR: dir });
  const path = resolve(dir, config.FIREBREAK_CHANNELS_FILE);
  return check([path], () =>
    ChannelRegistry.load(dir, config.FIREBREAK_CHANNELS_FILE, env, pino({ level: 'silent' }))
      .all()
      .filter((channel) => !channel.enabled)
      .map((channel) => `${path}: channel ${channel.name} (${channel.type}) will be disabled: ${channel.disabledReason}`),
  );
}

if (require.main === module) report(checkNotifierConfig(resolve(process.argv[2] ?? '.'), processEnvironment()));
