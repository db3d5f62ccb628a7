import { z } from 'zod';
import { env, ServiceConfig, ServiceOptions } from '@firebreak/platform';
import { Initial1732300000000 } from '../migrations/1732300000000-initial';
import { OutboxRetries1764633600000 } from '../migrations/1764633600000-outbox-retries';
import { KnowledgeTables1765000000000 } from '../migrations/1765000000000-knowledge-tables';
import { analysisEnvShape } from './analysis/analysis.env';
import { writeupRetentionEnv } from './learning/writeup-retention.env';
import { Analyses1765200000000 } from '../migrations/1765200000000-analyses';
import { AnalysisShedding1765400000000 } from '../migrations/1765400000000-analysis-shedding';
import { EpisodeFingerprintIndex1765600000000 } from '../migrations/1765600000000-episode-fingerprint-index';

/** The knowledge service's own settings; the base ones (NATS, Postgres, tokens, config dir) come from the platform. */
export const knowledgeEnv = z.object({
  /** The shipped runbooks (yaml + prose .md), read at start; catalogue events keep them current afterwards. */
  FIREBREAK_RUNBOOKS_DIR: z.string().min(1).default('./runbooks'),
  /**
   * A succeeded run counts as a verified fix when its alert resolved at most this long after the run
   * finished (the executor's own `verify.resolvedWithin` is not on the bus; 'ineffective' outcomes still win).
   */
  FIREBREAK_KNOWLEDGE_FIX_WINDOW: env.duration('30m'),
  /**
   * How long what is known per alertname (outcome stats, past write-ups, matching documents) is reused for
   * further alerts of that name: a burst of one alert must not search the knowledge base per alert. 0: off.
   */
  FIREBREAK_KNOWLEDGE_FINDINGS_CACHE: env.duration('60s'),
  /**
   * Incident write-ups nobody edited, not rewritten for this long, are deleted (at start, then daily); documents
   * written by people and write-ups people edited never are. `400d`, `12h` or `off`; a bare number is refused.
   */
  FIREBREAK_WRITEUP_RETENTION: writeupRetentionEnv,
  /** The alert analysis (src/analysis): FIREBREAK_ANALYSIS_MIN_SEVERITY and FIREBREAK_LLM_*. */
  ...analysisEnvShape,
});

export type KnowledgeConfig = ServiceConfig<typeof knowledgeEnv.shape>;

export const SERVICE: ServiceOptions<typeof knowledgeEnv.shape> = {
  app: 'knowledge',
  env: knowledgeEnv,
  database: {
    migrations: [
      Initial1732300000000,
      OutboxRetries1764633600000,
      KnowledgeTables1765000000000,
      Analyses1765200000000,
      AnalysisShedding1765400000000,
      EpisodeFingerprintIndex1765600000000,
    ],
  },
};
