import type { DashboardSpec } from './model';
import { rate } from './promql';

const CHANNEL = '{channel=~"$channel"}';

export const notifications: DashboardSpec = {
  uid: 'firebreak-notifications',
  title: 'Firebreak / Notifications',
  description: 'What the notifier sent, failed, skipped and folded, per channel.',
  variables: [{ name: 'channel', label: 'Channel', query: 'label_values(firebreak_notification_sends_in_flight, channel)' }],
  panels: [
    {
      type: 'stat',
      title: 'Failure ratio (1h)',
      queries: [
        {
          expr:
            `sum(increase(firebreak_notifications_failed_total${CHANNEL}[1h])) / ` +
            `clamp_min(sum(increase(firebreak_notifications_sent_total${CHANNEL}[1h])) + ` +
            `sum(increase(firebreak_notifications_failed_total${CHANNEL}[1h])), 1)`,
        },
      ],
      unit: 'percentunit',
      width: 8,
      thresholds: [
        { value: 0.01, color: 'orange' },
        { value: 0.05, color: 'red' },
      ],
    },
    {
      type: 'stat',
      title: 'Sends in flight',
      queries: [{ expr: `sum(firebreak_notification_sends_in_flight${CHANNEL})` }],
      width: 8,
    },
    {
      type: 'stat',
      title: 'Outcomes not yet written',
      description: 'Provider answers held in memory while Postgres cannot be written; the replica claims nothing meanwhile.',
      queries: [{ expr: 'sum(firebreak_notification_outcomes_unwritten)' }],
      width: 8,
      thresholds: [{ value: 1, color: 'red' }],
    },
    {
      title: 'Sent by channel',
      queries: [{ expr: rate('firebreak_notifications_sent_total', 'channel', CHANNEL), legend: '{{channel}}' }],
      unit: 'ops',
    },
    {
      title: 'Failed by channel',
      queries: [{ expr: rate('firebreak_notifications_failed_total', 'channel', CHANNEL), legend: '{{channel}}' }],
      unit: 'ops',
    },
    {
      title: 'Skipped by channel and reason',
      description: 'disabled: the channel has no credentials; superseded: a newer announcement was already sent.',
      queries: [
        {
          expr: rate('firebreak_notifications_skipped_total', 'channel, reason', CHANNEL),
          legend: '{{channel}} {{reason}}',
        },
      ],
      unit: 'ops',
    },
    {
      title: 'Folded into summaries by channel',
      queries: [{ expr: rate('firebreak_notifications_folded_total', 'channel', CHANNEL), legend: '{{channel}}' }],
      unit: 'ops',
    },
    {
      title: 'Retries by channel and reason',
      queries: [
        {
          expr: rate('firebreak_notification_retries_total', 'channel, reason', CHANNEL),
          legend: '{{channel}} {{reason}}',
        },
      ],
      unit: 'ops',
    },
    {
      title: 'Sends in flight by channel',
      queries: [{ expr: `sum by (channel) (firebreak_notification_sends_in_flight${CHANNEL})`, legend: '{{channel}}' }],
    },
    {
      title: 'Sent by severity',
      queries: [{ expr: rate('firebreak_notifications_sent_total', 'severity', CHANNEL), legend: '{{severity}}' }],
      unit: 'ops',
    },
    {
      title: 'Outcomes not yet written by instance',
      queries: [{ expr: 'sum by (instance) (firebreak_notification_outcomes_unwritten)', legend: '{{instance}}' }],
    },
  ],
};
