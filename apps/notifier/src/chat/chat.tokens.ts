/** The chat interactivity settings (ChatSettings), built and checked once at start. */
export const CHAT_SETTINGS = Symbol('firebreak:chat-settings');
