import { Inject, Injectable } from '@nestjs/common';
import { Batcher } from '@firebreak/bus';
import { EventOf } from '@firebreak/contracts';
import { storableAlert } from '../core/text';
import { ESCALATION_POLICY, EscalationPolicy } from '../escalation/escalation-config';
import { AlertLifecycle } from '../lifecycle/alert-lifecycle.service';
import { AlertStateRepository } from '../lifecycle/alert-state.repository';
import { AlertTransaction } from '../lifecycle/alert-transaction';
import { Received } from '../lifecycle/alert-machine';
import { MappingResolver } from '../mappings/mapping-resolver.service';
import { SilenceLookup } from '../silences/silence-lookup';
import { findSilence } from '../silences/silence';

type AlertEvent = EventOf<'alerts.received'>;

/**
 * One receipt of an alert. The ingress derives an event's id from the alert alone (fingerprint,
 * status, startsAt, endsAt) so JetStream drops Alertmanager's retries; a later re-send of a still
 * firing alert (group re-send, repeat_interval) carries the same id but is a new receipt that the
 * dedup window must see. A redelivery of one message keeps its receivedAt, so it is still claimed once.
 */
export function receiptId(event: AlertEvent): string {
  return `${event.id}@${event.data.receivedAt}`;
}

/**
 * How the intake batches a burst. Each batch holds one of the 20 pooled connections for its transaction. Four
 * transactions of up to 512 alerts rather than eight of 128: half as many backends append to the same last pages of
 * the outbox, history and alert indexes at once, and a batch's fixed statements are shared by more alerts. Measured
 * (alternated A/B on a shared 2-core box): the mapper's Postgres backends 13–25 % less CPU per alert in the
 * 10,000-alert storm (more the busier the box), the mapper's own CPU about the same; 12 % less CPU per event in
 * its own bench. A batch that fails is retried alert by alert (Batcher), so up to 512 transactions then, not 128.
 */
export const INGEST_BATCH = { maxSize: 512, maxInFlight: 4 } as const;

export type IngestResult = { duplicate: true } | { duplicate: false; transition: string };

interface Submitted {
  event: AlertEvent;
  /** The durable consumer that received it: the inbox key. */
  consumer: string;
}

/**
 * alerts.received → alert state. Events arriving together are handled in one transaction: one
 * inbox claim, one locking read of the known alerts, one insert of the new ones, one statement of
 * writes, one outbox insert — a storm costs a few round trips per batch, not per alert.
 */
@Injectable()
export class AlertIngestService {
  private readonly batcher = new Batcher<Submitted, IngestResult>((batch) => this.ingestBatch(batch), {
    maxSize: INGEST_BATCH.maxSize,
    maxInFlight: INGEST_BATCH.maxInFlight,
    key: ({ event }) => event.data.alert.fingerprint,
  });

  constructor(
    private readonly lifecycle: AlertLifecycle,
    private readonly state: AlertStateRepository,
    private readonly silences: SilenceLookup,
    private readonly mappings: MappingResolver,
    @Inject(ESCALATION_POLICY) private readonly escalation: EscalationPolicy,
  ) {}

  ingest(event: AlertEvent, consumer: string): Promise<IngestResult> {
    return this.batcher.submit({ event, consumer });
  }

  /** Every event's fingerprint differs (the batcher sees to it); both handlers submit under one inbox key (ALERTS_INBOX). */
  private async ingestBatch(batch: Submitted[]): Promise<IngestResult[]> {
    // In-memory lookups, made before the transaction so it holds row locks as briefly as possible.
    const commands = await Promise.all(batch.map(({ event }) => this.command(event)));
    // One inbox claim for the batch; only the events not seen before are handled.
    const outcome = await this.lifecycle.run(
      (tx, fresh) =>
        this.handle(
          tx,
          commands.filter((command) => fresh.has(command.sourceId)),
        ),
      {
        consumer: batch[0].consumer,
        eventIds: commands.map((command) => command.sourceId),
      },
    );
    const handled = outcome.duplicate ? new Map<string, string>() : outcome.result;
    return commands.map((command): IngestResult => {
      const transition = handled.get(command.sourceId);
      return transition ? { duplicate: false, transition } : { duplicate: true };
    });
  }

  private async command(event: AlertEvent): Promise<Received> {
    const alert = storableAlert(event.data.alert);
    return {
      type: 'received',
      sourceId: receiptId(event),
      source: event.data.source,
      alert,
      receivedAt: new Date(event.data.receivedAt),
      // Found inside the transaction (handle), where a silence change in flight is waited for.
      silenceId: null,
      mapping: alert.status === 'firing' ? await this.mappings.resolve(alert.labels, alert.annotations) : null,
      escalateAfterMs: this.escalation.get(alert.severity) ?? null,
    };
  }

  /**
   * Each event is decided once, against its alert's row locked or its absence. An alert another
   * transaction inserted between the read and the insert is decided again, against that row.
   */
  private async handle(tx: AlertTransaction, received: Received[]): Promise<Map<string, string>> {
    const silences = await this.silences.inForce(tx.manager, tx.now);
    let pending = received.map((command) =>
      command.alert.status === 'firing'
        ? { ...command, silenceId: findSilence(silences, command.alert.labels, tx.now)?.id ?? null }
        : command,
    );
    const handled = new Map<string, string>();
    while (pending.length > 0) {
      const rows = await this.state.lockMany(
        tx.manager,
        pending.map((command) => command.alert.fingerprint),
      );
      tx.locked();
      const decided = pending.map((command) => {
        const stored = rows.get(command.alert.fingerprint) ?? null;
        return { command, stored, decision: this.lifecycle.decide(tx, stored, command) };
      });
      const created = decided.filter(({ stored }) => stored === null);
      const inserted = await this.state.insertNew(
        tx.manager,
        created.map(({ decision }) => newRecord(decision.record)),
      );
      for (const { command, stored, decision } of decided) {
        if (stored === null && !inserted.has(command.alert.fingerprint)) continue;
        await this.lifecycle.perform(tx, stored, decision);
        handled.set(command.sourceId, decision.outcome);
      }
      pending = created.filter(({ command }) => !inserted.has(command.alert.fingerprint)).map(({ command }) => command);
    }
    return handled;
  }
}

function newRecord<T>(record: T | null): T {
  if (record === null) throw new Error('a received event always leaves a record');
  return record;
}
