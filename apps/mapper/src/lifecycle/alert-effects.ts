import { AlertLifecycle, deriveEventId, NotifyKind, Severity } from '@firebreak/contracts';
import { Transaction } from '@firebreak/bus';
import { mapperMetrics } from '../core/metrics';
import { WriteBatch } from '../core/write-batch';
import { RunbookMapping } from '../mappings/mapping-resolver';
import { AlertPatch, AlertRecord, RunbookState, toContractAlert } from './alert-record';
import { HistoryEntry, HistoryRepository } from './history.repository';
import { RunbookRequestsRepository } from './runbook-requests.repository';
import { TimersRepository } from './timers.repository';

export interface EffectDependencies {
  history: HistoryRepository;
  timers: TimersRepository;
  requests: RunbookRequestsRepository;
  escalationPolicy: ReadonlyMap<Severity, number>;
  automationEnabled: boolean;
}

export interface AnnounceExtra {
  receivedAt: Date;
  actor?: string;
  note?: string;
  reason?: string;
  runbook?: { id: string; executionId?: string; outcome?: string };
}

/**
 * What one alert transaction does besides its own row: announcements, lifecycle events, history,
 * runbook requests and escalation timers, all inside the transaction. Metrics are held until the
 * transaction commits, so a rolled-back or duplicate event counts nothing.
 */
export class AlertEffects {
  private readonly entries: HistoryEntry[] = [];
  private readonly counts: Array<() => void> = [];
  /** Writes that need no answer go out together at flush (or before a read that must see them). */
  readonly writes: WriteBatch;

  private current: Date;

  constructor(
    readonly tx: Transaction,
    private readonly deps: EffectDependencies,
    private readonly clock: { now(): Date },
  ) {
    this.writes = new WriteBatch(tx.manager);
    this.current = clock.now();
  }

  /** The time of this change: what the notifier orders an alert's announcements by. */
  get now(): Date {
    return this.current;
  }

  /**
   * Called once the alert rows are locked. A transaction that waited for another's lock must not
   * stamp its announcements earlier than the one it waited for, or the notifier would take the
   * later announcement for the older one and skip it.
   */
  locked(): void {
    const now = this.clock.now();
    if (now > this.current) this.current = now;
  }

  announce(kind: NotifyKind, record: AlertRecord, sourceId: string, extra: AnnounceExtra): void {
    this.tx.stage(
      'alerts.notify',
      {
        kind,
        alert: toContractAlert(record),
        receivedAt: extra.receivedAt.toISOString(),
        occurrences: Math.max(1, record.occurrences),
        ...(extra.actor !== undefined ? { actor: extra.actor } : {}),
        ...(extra.note !== undefined ? { note: extra.note } : {}),
        ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
        ...(extra.runbook ? { runbook: extra.runbook } : {}),
      },
      { id: deriveEventId('notify', sourceId, kind), subject: record.fingerprint, time: this.now },
    );
    this.count(() => mapperMetrics.sent.inc({ kind }));
  }

  /** Publishes alerts.state.changed when the lifecycle actually moved. */
  moved(record: AlertRecord, from: AlertLifecycle | null, to: AlertLifecycle, sourceId: string, who: { actor?: string; note?: string } = {}): void {
    if (from === to) return;
    this.tx.stage(
      'alerts.state.changed',
      {
        fingerprint: record.fingerprint,
        alertname: record.alertname,
        severity: record.severity,
        from,
        to,
        at: this.now.toISOString(),
        ...(who.actor !== undefined ? { actor: who.actor } : {}),
        ...(who.note !== undefined ? { note: who.note } : {}),
      },
      { id: deriveEventId('state', sourceId, to), subject: record.fingerprint, time: this.now },
    );
  }

  history(entry: Omit<HistoryEntry, 'at'>): void {
    this.entries.push({ ...entry, at: this.now });
  }

  count(increment: () => void): void {
    this.counts.push(increment);
  }

  /** Announces an active alert: `firing` opens the episode's announcements (with runbook and timer), `repeat` reminds. */
  async announceActive(kind: 'firing' | 'repeat', record: AlertRecord, mapping: RunbookMapping | null, sourceId: string, receivedAt: Date): Promise<AlertPatch> {
    if (kind === 'repeat') {
      this.announce('repeat', record, sourceId, { receivedAt });
      return { lastAnnouncedAt: this.now };
    }
    const runbook = record.runbook ?? (mapping ? this.planRunbook(mapping, sourceId) : null);
    await this.performFiring({ ...record, runbook }, sourceId, receivedAt, runbook !== null && record.runbook === null);
    return { lastAnnouncedAt: this.now, runbook };
  }

  /** The runbook state a first firing announcement will record; pure, so it can be planned before the row is written. */
  planRunbook(mapping: RunbookMapping, sourceId: string): RunbookState {
    const enabled = this.deps.automationEnabled;
    return {
      id: mapping.runbookId,
      requestId: deriveEventId('runbook-request', sourceId),
      source: mapping.source,
      status: enabled ? 'requested' : 'suppressed',
      ...(enabled ? {} : { reason: 'automation is disabled (FIREBREAK_AUTOMATION_ENABLED=false)' }),
      at: this.now.toISOString(),
    };
  }

  /**
   * The first announcement of an episode: the runbook request planned for it (when `newRequest`)
   * and the escalation timer go with it.
   */
  async performFiring(record: AlertRecord, sourceId: string, receivedAt: Date, newRequest: boolean): Promise<void> {
    const runbook = record.runbook;
    if (runbook && newRequest) await this.requestRunbook(record, runbook);
    const announced = runbook ? { id: runbook.id, ...(runbook.status === 'suppressed' ? { outcome: 'automation_disabled' } : {}) } : undefined;
    this.announce('firing', record, sourceId, { receivedAt, runbook: announced });
    await this.scheduleEscalation(record, sourceId);
  }

  private async requestRunbook(record: AlertRecord, runbook: RunbookState): Promise<void> {
    await this.deps.requests.insert(this.writes, {
      requestId: runbook.requestId,
      fingerprint: record.fingerprint,
      runbookId: runbook.id,
      mappingSource: runbook.source,
      status: runbook.status,
      reason: runbook.reason,
      at: this.now,
    });
    if (runbook.status === 'requested') {
      this.tx.stage('runbooks.requested', runbookRequest(record, runbook.id, runbook.requestId), { id: runbook.requestId, subject: record.fingerprint, time: this.now });
      this.count(() => mapperMetrics.runbooksRequested.inc({ runbook: runbook.id }));
    } else {
      this.count(() => mapperMetrics.runbooksSuppressed.inc({ runbook: runbook.id }));
    }
  }

  async scheduleEscalation(record: AlertRecord, sourceId: string): Promise<void> {
    const delayMs = this.deps.escalationPolicy.get(record.severity);
    if (delayMs === undefined) return;
    await this.deps.timers.schedule(this.writes, record.fingerprint, new Date(this.now.getTime() + delayMs), delayMs, sourceId, this.now);
  }

  async cancelEscalation(...fingerprints: string[]): Promise<void> {
    await this.deps.timers.cancel(this.writes, fingerprints);
  }

  async flush(): Promise<void> {
    await this.deps.history.insert(this.writes, this.entries.splice(0));
    await this.writes.flush();
  }

  committed(): void {
    for (const increment of this.counts.splice(0)) increment();
  }
}

function runbookRequest(record: AlertRecord, runbookId: string, requestId: string) {
  return {
    requestId,
    runbookId,
    mode: 'live' as const,
    trigger: 'alert' as const,
    fingerprint: record.fingerprint,
    context: {
      alert_name: record.alertname,
      alert_labels: record.labels,
      alert_annotations: record.annotations,
      triggered_at: record.startsAt.toISOString(),
      severity: record.severity,
      instance: Object.prototype.hasOwnProperty.call(record.labels, 'instance') ? record.labels.instance : null,
      fingerprint: record.fingerprint,
    },
    params: {},
  };
}
