import { z } from 'zod';
import { env, ServiceConfig, ServiceOptions } from '@firebreak/platform';
import { Initial1732300000000 } from '../migrations/1732300000000-initial';
import { Deliveries1732400000000 } from '../migrations/1732400000000-deliveries';
import { OutboxRetries1764633600000 } from '../migrations/1764633600000-outbox-retries';
import { ClaimsOrderApprovals1765000000001 } from '../migrations/1765000000001-claims-order-approvals';
import { AnalysisWaits1765300000000 } from '../migrations/1765300000000-analysis-waits';
import { ClaimHeads1765600000000 } from '../migrations/1765600000000-claim-heads';
import { DropOrderIndex1765700000000 } from '../migrations/1765700000000-drop-order-index';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** The notifier's own settings; channels and routes live in `channels.yaml`. */
export const notifierEnv = z.object({
  TELEGRAM_API_URL: httpUrl.default('https://api.telegram.org'),
  PAGERDUTY_EVENTS_URL: httpUrl.default('https://events.pagerduty.com/v2/enqueue'),
  FIREBREAK_CHANNELS_FILE: z.string().min(1).default('channels.yaml'),
  // With the default backoff (2 s doubling, capped at 5 min) ten attempts span about 13 minutes: a
  // provider outage of that length still ends in delivered pages, not failed ones.
  FIREBREAK_NOTIFY_MAX_ATTEMPTS: env.int(1, 100, 10),
  FIREBREAK_NOTIFY_FOLD_AFTER: env.int(1, 10_000, 20),
  FIREBREAK_NOTIFY_RETRY_BASE_MS: env.int(10, 600_000, 2_000),
  FIREBREAK_NOTIFY_RETRY_MAX_MS: env.int(100, 3_600_000, 300_000),
  FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS: env.int(100, 120_000, 10_000),
  FIREBREAK_NOTIFY_POLL_MS: env.int(10, 60_000, 500),
  FIREBREAK_NOTIFY_BATCH_SIZE: env.int(1, 1_000, 100),
  FIREBREAK_NOTIFY_HISTORY_DAYS: env.int(1, 3_650, 30),
  // Chat buttons (Approve / Reject / Acknowledge). Slack: the app's signing secret turns them on for Web API channels.
  FIREBREAK_SLACK_SIGNING_SECRET: z.string().min(8, 'must be the Slack app signing secret').optional(),
  // Telegram: the public URL of POST /api/v1/chat/telegram/webhook and the secret Telegram sends back with each update.
  FIREBREAK_TELEGRAM_WEBHOOK_URL: httpUrl.optional(),
  FIREBREAK_TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1-256 characters of A-Z, a-z, 0-9, "_" and "-"')
    .optional(),
  FIREBREAK_CHAT_USERS_FILE: z.string().min(1).default('chat-users.yaml'),
});

export type NotifierConfig = ServiceConfig<typeof notifierEnv.shape>;

export const SERVICE: ServiceOptions<typeof notifierEnv.shape> = {
  app: 'notifier',
  env: notifierEnv,
  database: {
    migrations: [
      Initial1732300000000,
      Deliveries1732400000000,
      OutboxRetries1764633600000,
      ClaimsOrderApprovals1765000000001,
      AnalysisWaits1765300000000,
      ClaimHeads1765600000000,
      DropOrderIndex1765700000000,
    ],
  },
};
