import { ChatUsers, ChatUsersFileSchema } from '@firebreak/contracts';
import { loadYamlConfig } from './yaml-config';

/**
 * config/chat-users.yaml (FIREBREAK_CHAT_USERS_FILE in FIREBREAK_CONFIG_DIR), read once at start by the
 * notifier, the runbook-executor and the mapper alike. A missing file maps nobody (every chat request is
 * refused); a broken one stops start-up with the path and the field.
 */
export function loadChatUsers(config: { FIREBREAK_CONFIG_DIR: string; FIREBREAK_CHAT_USERS_FILE: string }): ChatUsers {
  return new ChatUsers(
    loadYamlConfig(config.FIREBREAK_CONFIG_DIR, config.FIREBREAK_CHAT_USERS_FILE, ChatUsersFileSchema, { optional: true }),
  );
}
