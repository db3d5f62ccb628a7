import { z } from 'zod';

const timestamp = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with an offset' });
const noNul = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters');

/** Checked before Postgres sees it: a bad time or a missing key is a 400 naming the field, never a 500. */
const episode = z
  .object({
    fingerprint: noNul(200).pipe(z.string().min(1)),
    alertname: noNul(500),
    severity: noNul(50),
    fired_at: timestamp,
    resolved_at: timestamp.nullable().optional(),
    signature: noNul(10_000).nullable().optional(),
    writeup_id: noNul(200).nullable().optional(),
    labels: z.record(z.string(), z.string()).nullable().optional(),
    annotations: z.record(z.string(), z.string()).nullable().optional(),
  })
  .strict();

const run = z
  .object({
    request_id: noNul(200).pipe(z.string().min(1)),
    runbook_id: noNul(200).pipe(z.string().min(1)),
    origin: z.enum(['bus', 'manual']),
    status: noNul(50),
    fixed: z.boolean(),
    ineffective: z.boolean(),
    episode: z
      .object({ fingerprint: noNul(200), fired_at: timestamp })
      .strict()
      .nullable(),
    execution_id: noNul(200).nullable().optional(),
    fingerprint: noNul(200).nullable().optional(),
    alertname: noNul(500).nullable().optional(),
    signature: noNul(10_000).nullable().optional(),
    labels: z.record(z.string(), z.string()).nullable().optional(),
    annotations: z.record(z.string(), z.string()).nullable().optional(),
    severity: noNul(50).nullable().optional(),
    mode: noNul(50).nullable().optional(),
    reason: noNul(2000).nullable().optional(),
    requested_at: timestamp.nullable().optional(),
    started_at: timestamp.nullable().optional(),
    finished_at: timestamp.nullable().optional(),
    duration_ms: z.number().finite().min(0).nullable().optional(),
  })
  .strict();

/** `POST /api/v1/knowledge/backup/learning`: at most 1,000 rows a request (a backup sends them in chunks). */
export const importLearningSchema = z
  .strictObject({ episodes: z.array(episode).max(1000).default([]), runs: z.array(run).max(1000).default([]) })
  .refine((body) => body.episodes.length + body.runs.length <= 1000, 'at most 1000 episodes and runs together');
export type ImportLearning = z.infer<typeof importLearningSchema>;

export const importQuerySchema = z.strictObject({ dry_run: z.enum(['true', 'false']).default('false') });
