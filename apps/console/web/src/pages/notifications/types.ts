// Shapes of the notifier's API (apps/notifier/src/history/history.repository.ts, channel-config/channel-registry.ts).

export const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'folded', 'skipped'] as const;

export interface Delivery {
  id: string;
  channel: string;
  channelType: string;
  target: string;
  kind: string;
  severity: string;
  fingerprint: string | null;
  title: string;
  status: (typeof DELIVERY_STATUSES)[number];
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  responseStatus: number | null;
  foldedInto: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface DeliveryPage {
  items: Delivery[];
  nextCursor: string | null;
}

export interface Channel {
  name: string;
  type: string;
  enabled: boolean;
  disabledReason?: string;
  targets: string[];
  rateLimit: { perMinute: number; burst: number };
  fold: boolean;
  pending: number;
}
