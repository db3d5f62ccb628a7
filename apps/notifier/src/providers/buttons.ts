import { Channel } from '../channel-config/channel-set';
import { NotificationAction } from '../notifications/notification';
import { NotifierConfig } from '../service';

type Action = NotificationAction['action'];

/** The settings that turn chat interactivity on (read by the chat module, which receives the presses). */
export type ChatEnv = Pick<
  NotifierConfig,
  'FIREBREAK_SLACK_SIGNING_SECRET' | 'FIREBREAK_TELEGRAM_WEBHOOK_URL' | 'FIREBREAK_TELEGRAM_WEBHOOK_SECRET'
>;

export const SLACK_ACTION_IDS: Record<Action, string> = {
  approve: 'firebreak_approve',
  reject: 'firebreak_reject',
  acknowledge: 'firebreak_ack',
};
const TELEGRAM_PREFIXES: Record<Action, string> = { approve: 'ap', reject: 'rj', acknowledge: 'ack' };
const LABELS: Record<Action, string> = { approve: 'Approve', reject: 'Reject', acknowledge: 'Acknowledge' };
const SLACK_STYLES: Partial<Record<Action, string>> = { approve: 'primary', reject: 'danger' };
const plain = (text: string) => ({ type: 'plain_text', text, emoji: false });
// A decision runs (or stops) a runbook step: Slack asks "are you sure?" before it calls back.
const SLACK_CONFIRM: Partial<Record<Action, Record<string, unknown>>> = {
  approve: {
    title: plain('Approve this step?'),
    text: plain('The runbook step runs once approved.'),
    confirm: plain('Approve'),
    deny: plain('Cancel'),
  },
  reject: {
    title: plain('Reject this step?'),
    text: plain('The execution stops at this step.'),
    confirm: plain('Reject'),
    deny: plain('Cancel'),
  },
};
// Telegram's callback_data is 1-64 bytes; Slack's button value up to 2000 characters.
const TELEGRAM_MAX_DATA = 64;
const SLACK_MAX_VALUE = 2000;

/** An actions block; the labels are ours and the values (an approval id, a fingerprint) are data Slack hands back. */
export function slackActionsBlock(actions: NotificationAction[]): Record<string, unknown> | undefined {
  const elements = actions
    .filter((a) => a.value.length > 0 && a.value.length <= SLACK_MAX_VALUE)
    .map((a) => ({
      type: 'button',
      action_id: SLACK_ACTION_IDS[a.action],
      text: plain(LABELS[a.action]),
      value: a.value,
      ...(SLACK_STYLES[a.action] ? { style: SLACK_STYLES[a.action] } : {}),
      ...(SLACK_CONFIRM[a.action] ? { confirm: SLACK_CONFIRM[a.action] } : {}),
    }));
  return elements.length > 0 ? { type: 'actions', block_id: 'firebreak_actions', elements } : undefined;
}

/**
 * One row of inline buttons. The executor's approval ids (UUIDs) and fingerprints fit the 64 bytes with
 * their prefix; a value that would not is left without a button rather than cut into someone else's id.
 */
export function telegramKeyboard(
  actions: NotificationAction[],
): { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> } | undefined {
  const row = actions
    .filter((a) => a.value.length > 0)
    .map((a) => ({ text: LABELS[a.action], callback_data: `${TELEGRAM_PREFIXES[a.action]}:${a.value}` }))
    .filter((button) => Buffer.byteLength(button.callback_data) <= TELEGRAM_MAX_DATA);
  return row.length > 0 ? { inline_keyboard: [row] } : undefined;
}

export function actionOfSlack(actionId: string): Action | undefined {
  return (Object.keys(SLACK_ACTION_IDS) as Action[]).find((action) => SLACK_ACTION_IDS[action] === actionId);
}

export function actionOfTelegram(data: string): NotificationAction | undefined {
  const colon = data.indexOf(':');
  if (colon <= 0) return undefined;
  const prefix = data.slice(0, colon);
  const action = (Object.keys(TELEGRAM_PREFIXES) as Action[]).find((a) => TELEGRAM_PREFIXES[a] === prefix);
  return action ? { action, value: data.slice(colon + 1) } : undefined;
}

/**
 * Whether a channel's messages carry buttons. Slack needs the Web API (botToken + channelId): a message
 * sent through an incoming webhook cannot call back; Telegram needs its webhook.
 */
export function hasButtons(config: ChatEnv, channel: Channel): boolean {
  if (channel.config.type === 'slack') return Boolean(config.FIREBREAK_SLACK_SIGNING_SECRET) && channel.config.botToken !== undefined;
  if (channel.config.type === 'telegram') return Boolean(config.FIREBREAK_TELEGRAM_WEBHOOK_SECRET && config.FIREBREAK_TELEGRAM_WEBHOOK_URL);
  return false;
}
