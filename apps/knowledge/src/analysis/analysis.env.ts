import { z } from 'zod';
import { SeveritySchema } from '@firebreak/contracts';
import { env, ServiceConfig } from '@firebreak/platform';
import { isLabelName } from './promql';

/** The analysis's settings, spread into the knowledge service's env (service.ts). */
export const analysisEnvShape = {
  /** Alerts at or above this severity are analysed when they start firing. */
  FIREBREAK_ANALYSIS_MIN_SEVERITY: SeveritySchema.default('warning'),
  /** An alert announced longer ago than this is not analysed (a backlog after an outage, or the first deployment). */
  FIREBREAK_ANALYSIS_MAX_AGE_MS: env.int(10_000, 86_400_000, 300_000),
  /**
   * Storms: of the new episodes of one group (same values of these labels) in a window, the first
   * FIREBREAK_ANALYSIS_STORM_FULL are analysed in full, the rest get a summary pointing at the group's first
   * analysis (stored, not announced). Per replica.
   */
  FIREBREAK_ANALYSIS_STORM_GROUP_BY: env
    .list('alertname')
    .refine((names) => names.length > 0 && names.length <= 10, 'must name 1 to 10 labels, comma-separated')
    .refine((names) => names.every(isLabelName), 'must be label names such as alertname,namespace'),
  FIREBREAK_ANALYSIS_STORM_FULL: env.int(1, 100_000, 5),
  FIREBREAK_ANALYSIS_STORM_WINDOW: env.duration('10m').refine((ms) => ms >= 1000 && ms <= 86_400_000, 'must be between 1s and 24h'),
  /**
   * Full analyses per second across all groups (a token bucket holding FIREBREAK_ANALYSIS_BURST): past it, new
   * episodes are not analysed (counted as `budget`). Per replica; fractions allowed (0.5: one every two seconds).
   */
  FIREBREAK_ANALYSIS_RATE: z.coerce
    .number({ message: 'must be a number of analyses per second such as 5 or 0.5' })
    .positive({ message: 'must be above 0 (analyses per second)' })
    .max(10_000)
    .default(5),
  FIREBREAK_ANALYSIS_BURST: env.int(1, 100_000, 50),
  /** An OpenAI-compatible base URL (…/v1); unset: the knowledge-base analysis only. */
  FIREBREAK_LLM_URL: z.url({ message: 'must be a URL such as http://127.0.0.1:11434/v1' }).optional(),
  FIREBREAK_LLM_MODEL: z.string().min(1).optional(),
  FIREBREAK_LLM_API_KEY: z.string().min(1).optional(),
  /** One call to the model. */
  FIREBREAK_LLM_TIMEOUT_MS: env.int(100, 120_000, 20_000),
  /** The model's share of an analysis, both attempts together, counted from the alert's announcement: keeps an analysis within 30 s of it. */
  FIREBREAK_LLM_BUDGET_MS: env.int(100, 300_000, 25_000),
  /** The answer's token budget (`max_tokens`). */
  FIREBREAK_LLM_MAX_TOKENS: env.int(64, 32_000, 1200),
  /** The prompt's budget in characters (roughly 4 per token): documents, then similar incidents, then long values are cut to fit. */
  FIREBREAK_LLM_MAX_PROMPT_CHARS: env.int(1000, 400_000, 24_000),
  /** A bigger answer is cut off and treated as invalid. */
  FIREBREAK_LLM_MAX_RESPONSE_BYTES: env.int(1024, 16 * 1024 * 1024, 1024 * 1024),
  /** Analyses that ask the model at once; the others wait their turn within their budget, then get the knowledge base (`busy`). */
  FIREBREAK_LLM_CONCURRENCY: env.int(1, 256, 4),
  /** Consecutive failures that open the circuit, and how long the model is then skipped. */
  FIREBREAK_LLM_BREAKER_FAILURES: env.int(1, 100, 3),
  FIREBREAK_LLM_BREAKER_COOLDOWN_MS: env.int(1000, 3_600_000, 60_000),
};

export type AnalysisConfig = ServiceConfig<typeof analysisEnvShape>;
