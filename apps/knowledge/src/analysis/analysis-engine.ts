import { Alert, AlertAnalysis } from '@firebreak/contracts';
import type { Logger } from 'pino';
import { AlertFindings, KnowledgeFindings } from '../findings/findings';
import { CircuitBreaker } from './circuit-breaker';
import { ConcurrencyGate } from './concurrency-gate';
import { AnalysisBody, knowledgeAnalysis } from './knowledge-analysis';
import { capAnswer, LlmAnswer, LlmAnswerSchema, SYSTEM_PROMPT } from './llm-answer';
import { LlmClient, LlmError, LlmFailure, LlmSettings } from './llm-client';
import { analysisMetrics } from './metrics';

export interface EngineSettings {
  llm?: LlmSettings & {
    maxPromptChars: number;
    breakerFailures: number;
    breakerCooldownMs: number;
    /** Both attempts together: the retry gets what is left (and is not made with less than a second). */
    budgetMs: number;
    /** Analyses asking the model at once; the others wait for a place within their budget. */
    concurrency: number;
  };
}

/** An analysis before it is tied to an episode (fingerprint, startsAt) and a time. */
export type EngineResult = AnalysisBody & Pick<AlertAnalysis, 'engine' | 'fallbackReason' | 'durationMs'>;

/**
 * Analyses one alert: the knowledge base's analysis always, a model's reading of it when one is set
 * and answers validly. The model's answer is only text to show: its runbook ids are kept only when
 * the knowledge base recommended them (the catalogue), and the queries, similar incidents and
 * evidence counts are always ours.
 */
export class AnalysisEngine {
  private readonly client?: LlmClient;
  private readonly breaker?: CircuitBreaker;
  private readonly gate?: ConcurrencyGate;

  constructor(
    private readonly settings: EngineSettings,
    private readonly findings: KnowledgeFindings,
    private readonly now: () => Date,
    private readonly logger: Logger,
  ) {
    if (settings.llm) {
      this.client = new LlmClient(settings.llm);
      this.breaker = new CircuitBreaker(settings.llm.breakerFailures, settings.llm.breakerCooldownMs, now);
      this.gate = new ConcurrencyGate(settings.llm.concurrency);
    }
  }

  /**
   * `since`: when the alert was announced (the event's time). The model's budget counts from then, not
   * from when this handler got to it: an analysis that waited in a queue gets what is left, and none
   * when too little is (the knowledge-base analysis at once). The duration metric counts from then too.
   */
  async analyse(alert: Alert, since?: Date): Promise<EngineResult> {
    const started = performance.now();
    const queuedMs = since ? Math.max(0, this.now().getTime() - since.getTime()) : 0;
    const findings = await this.findings.forAlert({
      alertname: alert.labels.alertname ?? '',
      labels: alert.labels,
      annotations: alert.annotations,
      fingerprint: alert.fingerprint,
    });
    const base = knowledgeAnalysis(alert, findings);
    let result: EngineResult;
    if (!this.client || !this.breaker) result = { ...base, engine: 'knowledge', durationMs: 0 };
    else {
      const asked = await this.askModel(alert, findings, this.settings.llm!.budgetMs - queuedMs - (performance.now() - started));
      result =
        'answer' in asked
          ? { ...merge(base, asked.answer), engine: 'llm', durationMs: 0 }
          : { ...base, engine: 'knowledge', fallbackReason: asked.reason, durationMs: 0 };
    }
    const seconds = (performance.now() - started + queuedMs) / 1000;
    result.durationMs = Math.round(seconds * 1000);
    analysisMetrics.total.inc({ engine: result.engine, result: result.fallbackReason ? fallbackCode(result.fallbackReason) : 'ok' });
    analysisMetrics.duration.observe({ engine: result.engine }, seconds);
    return result;
  }

  /**
   * Waits for one of the model's places (FIREBREAK_LLM_CONCURRENCY) while at least a call's worth of the budget
   * would be left, then asks; holding the place for the retry too, so a started analysis is not starved by new ones.
   */
  private async askModel(alert: Alert, findings: AlertFindings, budgetMs: number): Promise<{ answer: LlmAnswer } | { reason: string }> {
    if (budgetMs < MIN_CALL_MS) return { reason: `no_time: ${REASON_TEXT.no_time}` };
    const waitStarted = performance.now();
    const release = await this.gate!.acquire(budgetMs - MIN_CALL_MS);
    if (!release) return { reason: `busy: ${REASON_TEXT.busy}` };
    try {
      return await this.callModel(alert, findings, budgetMs - (performance.now() - waitStarted));
    } finally {
      release();
    }
  }

  /** One try, and one more when the answer was unusable; a failure is a reason, never an exception. */
  private async callModel(alert: Alert, findings: AlertFindings, budgetMs: number): Promise<{ answer: LlmAnswer } | { reason: string }> {
    if (!this.breaker!.acquire()) return { reason: `circuit_open: ${REASON_TEXT.circuit_open}` };
    const messages = [
      { role: 'system' as const, content: SYSTEM_PROMPT },
      { role: 'user' as const, content: promptData(alert, findings, this.settings.llm!.maxPromptChars) },
    ];
    let last: LlmError | undefined;
    const { timeoutMs } = this.settings.llm!;
    const deadline = performance.now() + budgetMs;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const left = Math.min(timeoutMs, deadline - performance.now());
      if (attempt > 1 && left < MIN_CALL_MS) break;
      try {
        const answer = await this.client!.completeJson(messages, LlmAnswerSchema, 'alert_analysis', Math.max(1, Math.round(left)));
        this.breaker!.success();
        return { answer };
      } catch (error) {
        last = error instanceof LlmError ? error : new LlmError('network', (error as Error).message);
        this.breaker!.failure();
        // The server's own words (an error body, a stack) go to the log only, never into the analysis posted to chat.
        this.logger.warn({ reason: last.reason, attempt, err: last.message }, 'the model gave no usable analysis');
        if (!last.invalidAnswer || !this.breaker!.acquire()) break;
      }
    }
    return { reason: `${last!.reason}: ${REASON_TEXT[last!.reason]}` };
  }
}

/** A call with less time than this left is not worth making. */
const MIN_CALL_MS = 1000;

/** What an analysis says about a failure: a fixed text per code, so nothing the model server wrote reaches a chat. */
export const REASON_TEXT: Record<LlmFailure | 'no_time' | 'busy', string> = {
  timeout: 'the model did not answer in time',
  network: 'the model could not be reached',
  http_error: 'the model server answered with an error',
  too_large: 'the model’s answer was too large',
  not_json: 'the model’s answer was not JSON',
  wrong_schema: 'the model’s answer did not match the schema',
  circuit_open: 'the model failed repeatedly; skipped during the cool-down',
  no_time: 'too little of the time budget was left after the alert waited in the queue',
  busy: 'the model was busy with other analyses for the whole time budget',
};

const FAILURES: readonly string[] = Object.keys(REASON_TEXT);
/** The bounded code at the front of a fallback reason (a metric label). */
export function fallbackCode(reason: string): string {
  const code = reason.split(':')[0];
  return FAILURES.includes(code) ? code : 'other';
}

/**
 * The model's prose over our facts. Runbooks: those it named that the knowledge base recommended, in
 * its order, then the rest of ours; an id it made up is dropped (recommendations come only from the catalogue).
 */
export function merge(base: AnalysisBody, raw: LlmAnswer): AnalysisBody {
  const answer = capAnswer(raw);
  const byId = new Map(base.recommendedRunbooks.map((r) => [r.runbookId, r]));
  const chosen = [...new Set(answer.runbookIds)].flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  const rest = base.recommendedRunbooks.filter((r) => !chosen.includes(r));
  return {
    summary: answer.summary,
    probableCauses: answer.probableCauses,
    mitigations: answer.mitigations.length > 0 ? answer.mitigations : base.mitigations,
    queries: base.queries,
    similarIncidents: base.similarIncidents,
    recommendedRunbooks: [...chosen, ...rest].slice(0, 10),
  };
}

/**
 * The alert and the findings as one JSON document: the model reads alert text as quoted data, never
 * spliced into the instructions. Cut to the prompt budget by dropping documents, then similar
 * incidents, then long annotations.
 */
export function promptData(alert: Alert, findings: AlertFindings, maxChars: number): string {
  const cutValues = (record: Record<string, string>, max: number) =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k.slice(0, 200), v.length > max ? `${v.slice(0, max)}…` : v]));
  const candidates = [
    { documents: 3, similar: 5, value: 2000 },
    { documents: 1, similar: 3, value: 500 },
    { documents: 0, similar: 1, value: 200 },
    { documents: 0, similar: 0, value: 80 },
  ];
  let text = '';
  for (const c of candidates) {
    text = JSON.stringify({
      alert: {
        fingerprint: alert.fingerprint,
        severity: alert.severity,
        startsAt: alert.startsAt,
        labels: cutValues(alert.labels, c.value),
        annotations: cutValues(alert.annotations, c.value),
      },
      knowledge: {
        recommendedRunbooks: findings.recommendedRunbooks
          .slice(0, 10)
          .map((r) => ({ runbookId: r.runbookId, title: r.title, evidence: r.evidence })),
        similarIncidents: findings.similarIncidents.slice(0, c.similar),
        documents: findings.documents.slice(0, c.documents),
      },
    });
    if (text.length <= maxChars) return text;
  }
  // Still too long (thousands of labels): the budget wins; a cut JSON is still quoted data.
  return text.slice(0, maxChars);
}
