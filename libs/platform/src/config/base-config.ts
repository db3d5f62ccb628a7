import { z } from 'zod';
import { env } from './env';

const port = z.coerce.number().int().min(1).max(65535);

/** Settings every service reads. Defaults work on one machine with local NATS and Postgres. */
export const baseEnvSchema = z.object({
  NATS_URL: z
    .string()
    .regex(/^(nats|tls|wss?):\/\/[^\s]+$/, 'must be a nats:// URL (comma-separated for a cluster)')
    .default('nats://127.0.0.1:4222'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' })
    .default('postgres://postgres@127.0.0.1:5432/postgres'),
  FIREBREAK_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase Postgres identifier')
    .optional(),
  FIREBREAK_SUBJECT_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, _ or -')
    .optional(),
  FIREBREAK_STREAM_REPLICAS: env.int(1, 5, 1),
  FIREBREAK_PUBLISH_TIMEOUT_MS: env.int(100, 60_000, 5_000),
  FIREBREAK_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  FIREBREAK_HTTP_PORT: port.optional(),
  FIREBREAK_CONFIG_DIR: z.string().min(1).default('./config'),
  FIREBREAK_API_TOKENS: z.string().optional(),
  /** Chat users and their roles, in FIREBREAK_CONFIG_DIR: the notifier, the executor and the mapper read the same file. */
  FIREBREAK_CHAT_USERS_FILE: z.string().min(1).default('chat-users.yaml'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
});

export type BaseEnv = z.infer<typeof baseEnvSchema>;
