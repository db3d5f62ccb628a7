import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@firebreak/platform';
import { Channel } from '../channel-config/channel-set';
import { NotificationKind, Notification, statusLine } from '../notifications/notification';
import { cut } from '../notifications/text';
import { NotifierConfig } from '../service';
import { classify, isAnswer, postJson, retryAfterMs } from './http';
import { ChannelProvider, Delivery, SendOutcome } from './provider';

type EventAction = 'trigger' | 'acknowledge' | 'resolve';

const ACTIONS: Record<NotificationKind, EventAction> = {
  firing: 'trigger',
  repeat: 'trigger',
  escalated: 'trigger',
  message: 'trigger',
  test: 'trigger',
  acknowledged: 'acknowledge',
  resolved: 'resolve',
};
const MAX_SUMMARY = 1024;
const MAX_DETAIL = 8192;
const MAX_EVENT_BYTES = 500_000; // PagerDuty: 512 KB, with room for the envelope
const MAX_ENTRIES = 200;

/**
 * Events API v2. dedup_key is the fingerprint, so the resolve closes the incident the trigger
 * opened; Firebreak's four severities are PagerDuty's four. acknowledge and resolve carry no payload.
 */
export function pagerDutyEvent(n: Notification, routingKey: string): Record<string, unknown> {
  const event = pagerDutyEventUncapped(n, routingKey);
  // PagerDuty refuses (400, never retried) an event over 512 KB; many large values can get there
  // even with each one cut. Drop the details that repeat labels and annotations first, then cut harder.
  for (const limit of [MAX_DETAIL, 1024, 128]) {
    if (Buffer.byteLength(JSON.stringify(event)) <= MAX_EVENT_BYTES) return event;
    const details = (event.payload as { custom_details: Record<string, unknown> } | undefined)?.custom_details;
    if (!details) return event;
    delete details.details;
    details.labels = capValues(n.labels, limit, MAX_ENTRIES);
    details.annotations = capValues(n.annotations, limit, MAX_ENTRIES);
  }
  return event;
}

function pagerDutyEventUncapped(n: Notification, routingKey: string): Record<string, unknown> {
  const action = ACTIONS[n.kind];
  const base = { routing_key: routingKey, event_action: action, dedup_key: n.dedupKey.slice(0, 255) };
  if (action !== 'trigger') return base;
  const labels = n.labels;
  return {
    ...base,
    payload: {
      summary: cut(statusLine(n), MAX_SUMMARY),
      source: labels.instance || labels.job || labels.service || 'firebreak',
      severity: n.severity,
      timestamp: n.occurredAt,
      ...(labels.job || labels.service ? { component: labels.job || labels.service } : {}),
      ...(labels.namespace || labels.cluster ? { group: labels.namespace || labels.cluster } : {}),
      ...(labels.alertname ? { class: labels.alertname } : {}),
      custom_details: {
        kind: n.kind,
        labels: capValues(labels),
        annotations: capValues(n.annotations),
        ...(n.text ? { text: cut(n.text, MAX_DETAIL) } : {}),
        details: capValues(Object.fromEntries(n.details)),
      },
    },
    links: n.links.map((link) => ({ href: link.href, text: link.text })),
    client: 'Firebreak',
    ...(n.links[0] ? { client_url: n.links[0].href } : {}),
  };
}

// A label of megabytes is cut rather than the page refused.
function capValues(record: Record<string, string>, limit = MAX_DETAIL, entries = Number.POSITIVE_INFINITY): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record)
      .slice(0, entries)
      .map(([key, value]) => [cut(key, 256), cut(value, limit)]),
  );
}

@Injectable()
export class PagerDutyProvider implements ChannelProvider {
  readonly type = 'pagerduty' as const;

  constructor(@Inject(CONFIG) private readonly config: NotifierConfig) {}

  async send(channel: Channel, delivery: Delivery): Promise<SendOutcome> {
    if (channel.config.type !== 'pagerduty') throw new Error(`channel ${channel.name} is not a PagerDuty channel`);
    const answer = await postJson(this.config.PAGERDUTY_EVENTS_URL, pagerDutyEvent(delivery.notification, channel.config.routingKey), {
      timeoutMs: this.config.FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS,
    });
    if (!isAnswer(answer)) return answer;
    return classify(answer, retryAfterMs(answer.headers, new Date()), (a) => describe(a.body));
  }
}

function describe(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string; errors?: string[] };
    return [parsed.message, ...(parsed.errors ?? [])].filter(Boolean).join('; ') || body.slice(0, 200);
  } catch {
    return body.slice(0, 200) || 'no body';
  }
}
