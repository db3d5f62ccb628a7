import { resolve } from 'node:path';
import pino from 'pino';
import { buildConfig, checkConfigFiles, type FileCheck, reportConfigCheck } from '@firebreak/platform';
import { ChannelRegistry } from './channel-config/channel-registry';
import { processEnvironment } from './channel-config/environment';
import { SERVICE } from './service';

/**
 * `node dist/apps/notifier/src/check-config.js DIR`: channels.yaml (channels, routes, matchers) checked offline with
 * the loader the notifier runs at start; a channel whose `${VAR}` is unset here is reported disabled, as a note.
 * `{ ok, files }` as JSON on stdout, exit 0 or 1.
 */
export function checkNotifierConfig(dir: string, env: NodeJS.ProcessEnv): FileCheck[] {
  const config = buildConfig(SERVICE, { FIREBREAK_CONFIG_DIR: dir });
  const path = resolve(dir, config.FIREBREAK_CHANNELS_FILE);
  return checkConfigFiles([path], () =>
    ChannelRegistry.load(dir, config.FIREBREAK_CHANNELS_FILE, env, pino({ level: 'silent' }))
      .all()
      .filter((channel) => !channel.enabled)
      .map((channel) => `${path}: channel ${channel.name} (${channel.type}) will be disabled: ${channel.disabledReason}`),
  );
}

if (require.main === module) reportConfigCheck(checkNotifierConfig(resolve(process.argv[2] ?? '.'), processEnvironment()));
