import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { FingerprintSchema, RunbookRequested } from '@firebreak/contracts';
import { Transaction } from '@firebreak/bus';
import { Clock, CLOCK, storableText } from '@firebreak/platform';
import { Admission, ExecutionGate } from '../automation/execution-gate';
import { ExecutorSettings, SETTINGS } from '../common/settings';
import { withDefaults } from '../definitions/runbook-params';
import { Runbook } from '../definitions/runbook.schema';
import { renderText } from '../definitions/template';
import { ExecutionFinalizer, Finalized } from '../lifecycle/execution-finalizer';
import { scopeFor } from '../lifecycle/execution-scope';
import { NewExecution } from '../lifecycle/execution.types';
import { executionJson, ExecutionsRepository } from '../lifecycle/executions.repository';
import { RunbookCatalogService } from '../runbooks/runbook-catalog.service';

type Draft = Omit<NewExecution, 'status' | 'escalate'>;

/** A request made ready outside the transaction: its draft, and the draft's columns encoded once. */
export interface Prepared {
  request: RunbookRequested;
  runbook: Runbook | undefined;
  draft: Draft;
  json: string;
}

/** What recording one request did; undefined when its request id was recorded before. */
export type Recorded = { executionId: string; reason?: string; finalized?: Finalized } | undefined;

/**
 * NUL, or half of a surrogate pair, as JSON.stringify writes them (an even run of backslashes before
 * the `\u` is escaped backslashes, not an escape): Postgres stores neither in text or jsonb, so a
 * request carrying one could never be recorded.
 */
const UNSTORABLE = /(?:^|[^\\])(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** Turns requests into executions: at most one per request id, gated when automatic, a skipped one recorded and escalated. */
@Injectable()
export class ExecutionRecording {
  constructor(
    @Inject(SETTINGS) private readonly settings: ExecutorSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly repo: ExecutionsRepository,
    private readonly gate: ExecutionGate,
    private readonly catalog: RunbookCatalogService,
    private readonly finalizer: ExecutionFinalizer,
  ) {}

  /** Throws `refuse(reason)` for a request that can never be stored, before any transaction holds a connection for it. */
  prepare(sent: RunbookRequested, refuse: (reason: string) => Error, drillTargetMs?: number): Prepared {
    // A drill never mutates and pages nobody, so it is not gated; `trigger: drill` in any other mode would be a
    // live (or dry) run past every gate. Such a request is taken for what it does: automation, gated as an alert's.
    const request: RunbookRequested = sent.trigger === 'drill' && sent.mode !== 'drill' ? { ...sent, trigger: 'alert' } : sent;
    // One look-up: the definition snapshot and the version it records are of the same catalogue entry.
    const loaded = this.catalog.get(request.runbookId);
    const runbook = loaded?.runbook;
    const draft = {
      ...this.draft(request, runbook, drillTargetMs),
      ...(loaded ? { runbookRef: { source: loaded.source, version: loaded.version } } : {}),
    };
    const json = executionJson(draft);
    if (UNSTORABLE.test(json))
      throw refuse(`request ${truncated(request.requestId)} carries a NUL character or a lone surrogate, which cannot be stored`);
    return { request, runbook, draft, json };
  }

  /**
   * Records the requests in `tx` in a few statements whatever their number: the gate's two, one
   * insert, and a finalize for each skipped run. Results in the order given; of two requests with one
   * request id only the first is recorded.
   */
  async recordAll(tx: Transaction, items: Prepared[]): Promise<Recorded[]> {
    const seen = new Set<string>();
    const unique = items.map((item) => !seen.has(item.request.requestId) && !!seen.add(item.request.requestId));
    // A request recorded before (asked for again under another event id) is a duplicate: it must not count as a run
    // for the loop protection of the requests beside it.
    const recordedBefore = await this.repo.recordedRequestIds(
      tx.manager,
      items.map((item) => item.request.requestId),
    );
    const gated = items.filter(
      (item, index) => unique[index] && !recordedBefore.has(item.request.requestId) && item.request.trigger === 'alert',
    );
    const admissions = new Map<Prepared, Admission>();
    const decided = await this.gate.admitMany(
      tx.manager,
      gated.map(({ request, runbook, draft }) => ({
        runbookId: request.runbookId,
        runbook,
        selectedBy: request.selectedBy,
        loopKey: draft.concurrencyKey ?? draft.fingerprint ?? '',
        now: draft.createdAt,
      })),
    );
    gated.forEach((item, index) => admissions.set(item, decided[index]));
    const reasons = items.map((item) => {
      const admission: Admission =
        admissions.get(item) ??
        (item.runbook
          ? { admitted: true }
          : { admitted: false, rule: 'unknown_runbook', reason: `runbook ${item.request.runbookId} is not loaded` });
      return admission.admitted ? undefined : admission.reason;
    });
    const inserted = await this.repo.insertMany(
      tx.manager,
      items.flatMap(({ json }, index) => {
        const reason = reasons[index];
        return unique[index]
          ? [{ json, status: reason ? ('skipped' as const) : ('queued' as const), statusReason: reason, escalate: !!reason }]
          : [];
      }),
    );
    const recorded: Recorded[] = [];
    for (const [index, { draft }] of items.entries()) {
      const reason = reasons[index];
      if (!unique[index] || !inserted.has(draft.id)) recorded.push(undefined);
      else if (!reason) recorded.push({ executionId: draft.id });
      else {
        const row = (await this.repo.lock(tx.manager, draft.id))!;
        const finalized = await this.finalizer.finalize(tx, row, { status: 'skipped', reason, escalate: true }, draft.createdAt);
        recorded.push({ executionId: draft.id, reason, finalized });
      }
    }
    return recorded;
  }

  private draft(request: RunbookRequested, runbook: Runbook | undefined, drillTargetMs?: number): Draft {
    const id = randomUUID();
    const fingerprintFromContext = FingerprintSchema.safeParse(request.context.fingerprint);
    const fingerprint = request.fingerprint ?? (fingerprintFromContext.success ? fingerprintFromContext.data : undefined);
    const params = withDefaults(runbook, request.params);
    const scope = {
      ...scopeFor(
        { id, mode: request.mode, runbookId: request.runbookId, trigger: request.trigger, fingerprint, context: request.context, params },
        this.settings.vars,
      ),
      steps: {},
    };
    const concurrency = runbook?.concurrency;
    return {
      id,
      requestId: request.requestId,
      runbookId: request.runbookId,
      definition: runbook ?? null,
      mode: request.mode,
      trigger: request.trigger,
      fingerprint,
      severity: runbook?.severity ?? request.context.severity ?? 'warning',
      // The key is data from the alert: rendered as text, compared as text, never interpreted.
      concurrencyKey: concurrency ? concurrencyKeyText(renderText(concurrency.key ?? '', scope)) : null,
      concurrencyLimit: concurrency?.limit ?? null,
      runbookLimit: concurrency?.max ?? null,
      context: request.context,
      params,
      requestedBy: request.requestedBy,
      reason: request.reason,
      createdAt: this.clock.now(),
      drillTargetMs:
        request.mode === 'drill' ? (drillTargetMs ?? runbook?.drill?.target ?? this.settings.automation.drillTarget) : undefined,
    };
  }
}

/** An id quoted in an error: its start is enough to find it; the error must stay readable whatever a sender put there. */
function truncated(id: string): string {
  return JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id);
}

const CONCURRENCY_KEY_MAX = 500;

/**
 * A rendered concurrency key as it is stored: at most 500 UTF-16 units, cut between characters (half an emoji
 * would be a lone surrogate, which the request's JSON cannot carry into Postgres), and a NUL or lone surrogate
 * from the alert's data replaced by U+FFFD, as Postgres stored such a key when it was a text parameter.
 */
export function concurrencyKeyText(rendered: string): string {
  let end = Math.min(rendered.length, CONCURRENCY_KEY_MAX);
  if (end < rendered.length && /[\uD800-\uDBFF]/.test(rendered[end - 1])) end--;
  return storableText(rendered.slice(0, end));
}
