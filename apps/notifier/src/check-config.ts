import { resolve } from 'node:path';
import pino from 'pino';
import { buildConfig, checkConfigFiles, type FileCheck, loadChatUsers, reportConfigCheck } from '@firebreak/platform';
import { ChannelRegistry } from './channel-config/channel-registry';
import { processEnvironment } from './channel-config/environment';
import { SERVICE } from './service';

/**
 * `node dist/apps/notifier/src/check-config.js DIR`: channels.yaml (channels, routes, matchers) and chat-users.yaml
 * checked offline with the loaders the notifier runs at start (the executor and the mapper read chat-users.yaml with
 * the same one); a channel whose `${VAR}` is unset here is reported disabled, as a note.
 * `{ ok, files }` as JSON on stdout, exit 0 or 1.
 */
export function checkNotifierConfig(dir: string, env: NodeJS.ProcessEnv): FileCheck[] {
  const config = buildConfig(SERVICE, { FIREBREAK_CONFIG_DIR: dir });
  const path = resolve(dir, config.FIREBREAK_CHANNELS_FILE);
  const channels = checkConfigFiles([path], () =>
    ChannelRegistry.load(dir, config.FIREBREAK_CHANNELS_FILE, env, pino({ level: 'silent' }))
      .all()
      .filter((channel) => !channel.enabled)
      .map((channel) => `${path}: channel ${channel.name} (${channel.type}) will be disabled: ${channel.disabledReason}`),
  );
  const chatUsers = checkConfigFiles([resolve(dir, config.FIREBREAK_CHAT_USERS_FILE)], () => void loadChatUsers(config));
  return [...channels, ...chatUsers];
}

if (require.main === module) reportConfigCheck(checkNotifierConfig(resolve(process.argv[2] ?? '.'), processEnvironment()));
