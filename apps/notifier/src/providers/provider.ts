import { Channel } from '../channel-config/channel-set';
import { ChannelType } from '../channel-config/channels.config';
import { Notification } from '../notifications/notification';

/** What one attempt came to; the retry policy turns it into sent / retry later / failed. */
export type SendOutcome =
  | { result: 'sent'; status: number; excerpt: string }
  | {
      result: 'retry';
      reason: 'throttled' | 'server_error' | 'network';
      error: string;
      status?: number;
      excerpt?: string;
      retryAfterMs?: number;
    }
  | { result: 'reject'; error: string; status?: number; excerpt?: string };

export interface Delivery {
  id: string;
  target: string;
  notification: Notification;
  /** The provider's id of the message this one follows up, from that delivery's answer: Telegram's message_id, Slack's ts. */
  replyToMessageId?: string;
}

/** One per vendor; its format and its API's quirks stay inside its file. */
export interface ChannelProvider {
  readonly type: ChannelType;
  send(channel: Channel, delivery: Delivery): Promise<SendOutcome>;
}
