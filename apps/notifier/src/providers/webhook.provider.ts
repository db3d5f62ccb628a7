import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@firebreak/platform';
import { Channel } from '../channel-config/channel-set';
import { Notification } from '../notifications/notification';
import { NotifierConfig } from '../service';
import { classify, isAnswer, postJson, retryAfterMs } from './http';
import { ChannelProvider, Delivery, SendOutcome } from './provider';

/**
 * The announcement's CloudEvent as JSON (structured mode). Messages that have no event of their own
 * (a test, a folded summary) go out as a CloudEvent of the notifier with the message as data.
 */
export function webhookBody(delivery: Delivery): unknown {
  const n: Notification = delivery.notification;
  if (n.event) return n.event;
  const { event: _event, ...message } = n;
  return {
    specversion: '1.0',
    id: delivery.id,
    source: 'firebreak/notifier',
    type: n.kind === 'test' ? 'firebreak.notifications.test.v1' : 'firebreak.notifications.message.v1',
    time: n.occurredAt,
    datacontenttype: 'application/json',
    data: message,
  };
}

@Injectable()
export class WebhookProvider implements ChannelProvider {
  readonly type = 'webhook' as const;

  constructor(@Inject(CONFIG) private readonly config: NotifierConfig) {}

  async send(channel: Channel, delivery: Delivery): Promise<SendOutcome> {
    if (channel.config.type !== 'webhook') throw new Error(`channel ${channel.name} is not a webhook channel`);
    const answer = await postJson(channel.config.url, webhookBody(delivery), {
      timeoutMs: this.config.FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS,
      contentType: 'application/cloudevents+json; charset=utf-8',
      // The receiver can drop a repeat of the same delivery (a retry after a lost answer).
      headers: { ...channel.config.headers, 'idempotency-key': delivery.id },
    });
    if (!isAnswer(answer)) return answer;
    return classify(answer, retryAfterMs(answer.headers, new Date()), (a) => a.body.slice(0, 200) || 'no body');
  }
}
