import { Inject, Injectable } from '@nestjs/common';
import { Batcher } from '@firebreak/bus';
import { Alert, AlertReceived, CloudEvent } from '@firebreak/contracts';
import { CONFIG } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { Clock } from '../core/clock';
import { mapperMetrics } from '../core/metrics';
import { storableAlert } from '../core/text';
import { AlertEffects } from '../lifecycle/alert-effects';
import { AlertTransactions } from '../lifecycle/alert-transactions';
import { AlertsRepository } from '../lifecycle/alerts.repository';
import { MappingResolver } from '../mappings/mapping-resolver.service';
import { RunbookMapping } from '../mappings/mapping-resolver';
import { SilenceLookup } from '../silences/silence-lookup';
import { ActiveSilence, findSilence } from '../silences/silence';
import { decide, IncomingState, Transition } from './alert-transition';
import { planTransition, TransitionPlan } from './transition-plan';

export const ALERTS_RECEIVED_CONSUMER = 'mapper-alerts-received';

export interface IngestContext {
  sourceId: string;
  source: AlertReceived['source'];
  alert: Alert;
  incoming: IncomingState;
  silence: ActiveSilence | null;
  mapping: RunbookMapping | null;
}

/**
 * One receipt of an alert. The ingress derives an event's id from the alert alone (fingerprint,
 * status, startsAt, endsAt) so JetStream drops Alertmanager's retries; a later re-send of a still
 * firing alert (group re-send, repeat_interval) carries the same id but is a new receipt that the
 * dedup window must see. A redelivery of one message keeps its receivedAt, so it is still claimed once.
 */
export function receiptId(event: CloudEvent<AlertReceived>): string {
  return `${event.id}@${event.data.receivedAt}`;
}

export type IngestResult = { duplicate: true } | { duplicate: false; transition: Transition['type'] };

/**
 * alerts.received → alert state. Events arriving together are handled in one transaction: one
 * inbox claim, one upsert that inserts the new alerts and locks the known ones, one statement of
 * writes, one outbox insert — a storm costs a few round trips per batch, not per alert.
 */
@Injectable()
export class AlertIngestService {
  private readonly dedupWindowMs: number;
  private readonly batcher = new Batcher<CloudEvent<AlertReceived>, IngestResult>((events) => this.ingestBatch(events), {
    maxSize: 64,
    // Each batch holds one of the 20 pooled connections for its transaction.
    maxInFlight: 8,
    key: (event) => event.data.alert.fingerprint,
  });

  constructor(
    private readonly transactions: AlertTransactions,
    private readonly alerts: AlertsRepository,
    private readonly silences: SilenceLookup,
    private readonly mappings: MappingResolver,
    private readonly clock: Clock,
    @Inject(CONFIG) config: MapperConfig,
  ) {
    this.dedupWindowMs = config.FIREBREAK_DEDUP_WINDOW_SEC * 1000;
  }

  ingest(event: CloudEvent<AlertReceived>): Promise<IngestResult> {
    return this.batcher.submit(event);
  }

  /** Every event's fingerprint differs (the batcher sees to it). */
  async ingestBatch(events: Array<CloudEvent<AlertReceived>>): Promise<IngestResult[]> {
    // In-memory lookups, made before the transaction so it holds row locks as briefly as possible.
    const contexts = await Promise.all(events.map((event) => this.context(event)));
    // One inbox claim for the batch; only the events not seen before are handled.
    const outcome = await this.transactions.run(
      async (fx, fresh) => new Map(await this.handle(fx, contexts.filter((context) => fresh.has(context.sourceId)))),
      { consumer: ALERTS_RECEIVED_CONSUMER, eventIds: contexts.map((context) => context.sourceId) },
    );
    const transitions = outcome.duplicate ? new Map<string, Transition['type']>() : outcome.result;
    return contexts.map((context): IngestResult => {
      const transition = transitions.get(context.sourceId);
      return transition ? { duplicate: false, transition } : { duplicate: true };
    });
  }

  private async context(event: CloudEvent<AlertReceived>): Promise<IngestContext> {
    const alert = storableAlert(event.data.alert);
    const firing = alert.status === 'firing';
    return {
      sourceId: receiptId(event),
      source: event.data.source,
      alert,
      incoming: {
        status: alert.status,
        startsAt: new Date(alert.startsAt),
        endsAt: alert.endsAt ? new Date(alert.endsAt) : null,
        receivedAt: new Date(event.data.receivedAt),
      },
      // Decided inside the transaction (handle), where a silence change in flight is waited for.
      silence: null,
      mapping: firing ? await this.mappings.resolve(alert.labels, alert.annotations) : null,
    };
  }

  private async handle(fx: AlertEffects, contexts: IngestContext[]): Promise<Array<[string, Transition['type']]>> {
    const silences = await this.silences.inForce(fx.tx.manager, fx.now);
    for (const context of contexts) context.silence = context.alert.status === 'firing' ? findSilence(silences, context.alert.labels, fx.now) : null;
    // Each planned as if the alert were new (pure); the upsert stores that plan or hands back the locked row.
    const firsts = contexts.map((context) => {
      const transition = decide(null, context.incoming, this.decisionContext(fx, context));
      return { context, transition, plan: planTransition(fx, null, transition, context) };
    });
    const rows = await this.alerts.insertOrLock(fx.tx.manager, firsts.map((first) => first.plan.next));
    fx.locked();
    const results: Array<[string, Transition['type']]> = [];
    for (const first of firsts) {
      const row = rows.get(first.context.alert.fingerprint);
      if (!row) throw new Error(`alert ${first.context.alert.fingerprint} was neither inserted nor found`);
      if (row.inserted) {
        results.push([first.context.sourceId, await this.performed(fx, first.plan, first.transition)]);
        continue;
      }
      const transition = decide(row.stored, first.context.incoming, this.decisionContext(fx, first.context));
      const plan = planTransition(fx, row.stored, transition, first.context);
      await this.alerts.update(fx.writes, row.stored.fingerprint, plan.patch);
      results.push([first.context.sourceId, await this.performed(fx, plan, transition)]);
    }
    return results;
  }

  private async performed(fx: AlertEffects, plan: TransitionPlan, transition: Transition): Promise<Transition['type']> {
    await plan.perform();
    if (transition.type === 'repeat' && transition.deduplicated) fx.count(() => mapperMetrics.deduplicated.inc());
    if (transition.type === 'stale') fx.count(() => mapperMetrics.stale.inc());
    return transition.type;
  }

  private decisionContext(fx: AlertEffects, context: IngestContext) {
    return { now: fx.now, dedupWindowMs: this.dedupWindowMs, silenced: context.silence !== null, episodeByStartsAt: context.source === 'alertmanager' };
  }
}
