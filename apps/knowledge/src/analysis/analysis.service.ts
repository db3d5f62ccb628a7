import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Alert, AlertAnalysis, AlertAnalysisSchema, deriveEventId, isAtLeast } from '@firebreak/contracts';
import { TransactionalMessaging } from '@firebreak/bus';
import { CLOCK, Clock, CONFIG, LOGGER } from '@firebreak/platform';
import { KnowledgeFindings } from '../findings/findings';
import { AnalysesRepository } from './analyses.repository';
import { AnalysisEngine } from './analysis-engine';
import { FullAnalyses } from './full-analyses';
import { Admission, AnalysisShedder } from './analysis-shedder';
import { AnalysisConfig } from './analysis.env';
import { analysisMetrics } from './metrics';
import { shedEpisodeAnalysis } from './shed-analysis';
import { ShedSummaries } from './shed-summaries';

/** What became of a newly firing episode (the consumer logs it). */
export type EpisodeOutcome = 'analysed' | 'duplicate' | 'stale' | 'storm' | 'budget';

/**
 * Analyses alerts: an episode once (stored, announced as `alerts.analysis` through the outbox), or a
 * webhook's alerts on demand. The model is asked outside any transaction: a 20 s call must not hold a
 * connection or a row lock.
 */
@Injectable()
export class AnalysisService {
  private readonly engine: AnalysisEngine;
  private readonly shedder: AnalysisShedder;
  private readonly shedSettings: { groupBy: readonly string[]; windowMs: number };

  constructor(
    @Inject(CONFIG) private readonly config: AnalysisConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
    findings: KnowledgeFindings,
    private readonly repository: AnalysesRepository,
    private readonly messaging: TransactionalMessaging,
    private readonly shedSummaries: ShedSummaries,
    private readonly fullAnalyses: FullAnalyses,
  ) {
    this.engine = new AnalysisEngine(engineSettings(config), findings, () => clock.now(), logger.child({ component: 'analysis' }));
    this.shedder = new AnalysisShedder(
      {
        groupBy: config.FIREBREAK_ANALYSIS_STORM_GROUP_BY,
        fullPerWindow: config.FIREBREAK_ANALYSIS_STORM_FULL,
        windowMs: config.FIREBREAK_ANALYSIS_STORM_WINDOW,
        ratePerSecond: config.FIREBREAK_ANALYSIS_RATE,
        burst: config.FIREBREAK_ANALYSIS_BURST,
      },
      () => clock.now().getTime(),
    );
    this.shedSettings = { groupBy: config.FIREBREAK_ANALYSIS_STORM_GROUP_BY, windowMs: config.FIREBREAK_ANALYSIS_STORM_WINDOW };
  }

  shouldAnalyse(alert: Alert): boolean {
    return alert.status === 'firing' && isAtLeast(alert.severity, this.config.FIREBREAK_ANALYSIS_MIN_SEVERITY);
  }

  /** The analysis of one alert, not stored (POST /api/v1/analyze). */
  async analyse(alert: Alert, since?: Date): Promise<AlertAnalysis> {
    const result = await this.engine.analyse(alert, since);
    return AlertAnalysisSchema.parse({
      fingerprint: alert.fingerprint,
      alertname: alert.labels.alertname ?? '',
      severity: alert.severity,
      startsAt: alert.startsAt,
      ...result,
      analyzedAt: this.clock.now().toISOString(),
    });
  }

  /**
   * The episode's analysis, made once: a redelivery finds its inbox row, another replica or an
   * earlier attempt finds the episode's row, and neither asks the model or announces again. In a storm
   * (or past the analysis rate) the shedder lets only some episodes through; the others get a cheap
   * analysis, stored and not announced: nobody waits for an analysis (the notifier parks analyses for their
   * firing message, never the other way round), and a chat thread per storm alert is what a storm must not cause.
   */
  async analyseEpisode(alert: Alert, inbox: { consumer: string; eventId: string }, announcedAt: Date): Promise<EpisodeOutcome> {
    // After an outage or on first deployment the consumer reads days of alerts: analysing old episodes
    // would call the model for each and post follow-ups nobody waits for. Acknowledged and counted.
    if (this.clock.now().getTime() - announcedAt.getTime() > this.config.FIREBREAK_ANALYSIS_MAX_AGE_MS) {
      analysisMetrics.skipped.inc({ reason: 'stale' });
      return 'stale';
    }
    const admission = this.shedder.admit(alert);
    if (admission.verdict !== 'full') return this.storeShed(alert, admission, announcedAt);
    try {
      if (await this.fullAnalyses.exists(alert.fingerprint, alert.startsAt)) {
        admission.cancel();
        await this.messaging.run(async () => undefined, inbox);
        return 'duplicate';
      }
      const analysis = await this.analyse(alert, announcedAt);
      if (!(await this.fullAnalyses.store(analysis, deriveEventId('analysis', alert.fingerprint, alert.startsAt), inbox))) {
        admission.cancel();
        return 'duplicate';
      }
      admission.done(analysis);
      return 'analysed';
    } catch (error) {
      // Nothing committed: the redelivery gets the place back.
      admission.cancel();
      throw error;
    }
  }

  /**
   * A shed episode's analysis (no search, no model, no announcement). Without the inbox row: the episode's row is
   * what makes a redelivery a duplicate, and the event's inbox row stays free for a full analysis of the same event
   * still under way (a redelivery shed while the first delivery asks the model), which then replaces this row.
   * Stored with the other summaries of its turn in one statement (ShedSummaries); the handler returns, and the
   * message is acknowledged, only once that statement committed.
   */
  private async storeShed(
    alert: Alert,
    admission: Extract<Admission, { verdict: 'storm' | 'budget' }>,
    announcedAt: Date,
  ): Promise<EpisodeOutcome> {
    const analysis = shedEpisodeAnalysis(alert, admission, this.shedSettings, announcedAt, this.clock.now());
    const eventId = deriveEventId('analysis', alert.fingerprint, alert.startsAt);
    return (await this.shedSummaries.store(analysis, eventId, admission.verdict)) ? admission.verdict : 'duplicate';
  }

  latest(fingerprint: string): Promise<AlertAnalysis | undefined> {
    return this.repository.latest(fingerprint);
  }
}

export function engineSettings(config: AnalysisConfig): ConstructorParameters<typeof AnalysisEngine>[0] {
  const url = config.FIREBREAK_LLM_URL;
  if (!url) return {};
  // Caught at start, not at the first alert: a URL without a model is a mistake, not "no LLM".
  if (!config.FIREBREAK_LLM_MODEL) throw new Error('FIREBREAK_LLM_MODEL: required when FIREBREAK_LLM_URL is set');
  return {
    llm: {
      url,
      model: config.FIREBREAK_LLM_MODEL,
      ...(config.FIREBREAK_LLM_API_KEY ? { apiKey: config.FIREBREAK_LLM_API_KEY } : {}),
      timeoutMs: config.FIREBREAK_LLM_TIMEOUT_MS,
      budgetMs: config.FIREBREAK_LLM_BUDGET_MS,
      maxTokens: config.FIREBREAK_LLM_MAX_TOKENS,
      maxPromptChars: config.FIREBREAK_LLM_MAX_PROMPT_CHARS,
      maxResponseBytes: config.FIREBREAK_LLM_MAX_RESPONSE_BYTES,
      breakerFailures: config.FIREBREAK_LLM_BREAKER_FAILURES,
      breakerCooldownMs: config.FIREBREAK_LLM_BREAKER_COOLDOWN_MS,
      concurrency: config.FIREBREAK_LLM_CONCURRENCY,
    },
  };
}
