import { z } from 'zod';

const timestamp = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with an offset' });
/**
 * No length limits of its own: a backup must take back everything this service stored, and what it stores comes
 * from bus events and POST /learn with their own limits (a manual report's reason is up to 20 diagnoses of 200
 * characters; a runbook's failure reason on the bus has none). The request's 1 MiB body limit bounds it all.
 * Postgres text holds no NUL, so none was stored and one here is a 400, not a 500.
 */
const noNul = () => z.string().refine((value) => !value.includes('\u0000'), 'must not contain NUL characters');

/** Checked before Postgres sees it: a bad time or a missing key is a 400 naming the field, never a 500. */
/** An episode's row id: kept by a backup, so write-up ids (`incident-<fp>-<id>`) and run links survive a restore. */
const episodeId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const episode = z
  .object({
    id: episodeId.optional(),
    fingerprint: noNul().pipe(z.string().min(1)),
    alertname: noNul(),
    severity: noNul(),
    fired_at: timestamp,
    resolved_at: timestamp.nullable().optional(),
    signature: noNul().nullable().optional(),
    writeup_id: noNul().nullable().optional(),
    labels: z.record(z.string(), z.string()).nullable().optional(),
    annotations: z.record(z.string(), z.string()).nullable().optional(),
  })
  .strict();

const run = z
  .object({
    request_id: noNul().pipe(z.string().min(1)),
    runbook_id: noNul().pipe(z.string().min(1)),
    origin: z.enum(['bus', 'manual']),
    status: noNul(),
    fixed: z.boolean(),
    ineffective: z.boolean(),
    episode: z.object({ id: episodeId.optional(), fingerprint: noNul(), fired_at: timestamp }).strict().nullable(),
    execution_id: noNul().nullable().optional(),
    fingerprint: noNul().nullable().optional(),
    alertname: noNul().nullable().optional(),
    signature: noNul().nullable().optional(),
    labels: z.record(z.string(), z.string()).nullable().optional(),
    annotations: z.record(z.string(), z.string()).nullable().optional(),
    severity: noNul().nullable().optional(),
    mode: noNul().nullable().optional(),
    reason: noNul().nullable().optional(),
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
