import { Injectable } from '@nestjs/common';
import { EventOf } from '@firebreak/contracts';
import { Batcher, PermanentError, TransactionalMessaging } from '@firebreak/bus';
import { ExecutionFinalizer } from '../lifecycle/execution-finalizer';
import { WorkerSignals } from '../lifecycle/worker-signals';
import { ExecutionRecording, Prepared } from './execution-recording';
import { Created } from './executions.service';

interface Submitted {
  event: EventOf<'runbooks.requested'>;
  /** The durable consumer that received it: the inbox key. */
  consumer: string;
}

/** Each request's own outcome: a batch holds its requests' results, or the error that is one request's alone. */
type Outcome = { created: Created } | { error: unknown };

/**
 * runbooks.requested → executions, many per transaction: one inbox claim, the gate's two statements
 * and one insert for a batch, so a burst of requests costs a few round trips, not eight per request.
 * A request that can never be stored is refused alone, before the batch's transaction; a batch that
 * fails in Postgres is run again one request at a time (Batcher), so one bad request fails alone.
 */
@Injectable()
export class RequestsRecorder {
  private readonly batcher = new Batcher<Submitted, Outcome>((batch) => this.recordBatch(batch), {
    maxSize: 64,
    // Each batch holds one pooled connection for its transaction; the worker's runs need the others.
    maxInFlight: 4,
  });

  constructor(
    private readonly messaging: TransactionalMessaging,
    private readonly recording: ExecutionRecording,
    private readonly finalizer: ExecutionFinalizer,
    private readonly worker: WorkerSignals,
  ) {}

  /** Settles once the request's transaction committed (or it was a repeat); throws what must settle this message alone. */
  async record(event: EventOf<'runbooks.requested'>, consumer: string): Promise<Created> {
    const outcome = await this.batcher.submit({ event, consumer });
    if ('error' in outcome) throw outcome.error;
    return outcome.created;
  }

  private async recordBatch(batch: Submitted[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = batch.map(() => ({ created: { duplicate: true } }));
    const ready: Array<{ index: number; prepared: Prepared } & Submitted> = [];
    batch.forEach((submitted, index) => {
      try {
        ready.push({ ...submitted, index, prepared: this.recording.prepare(submitted.event.data, (reason) => new PermanentError(reason)) });
      } catch (error) {
        outcomes[index] = { error };
      }
    });
    // One handler feeds the batcher, so one consumer in practice; grouped all the same, as the inbox is per consumer.
    for (const consumer of new Set(ready.map((entry) => entry.consumer))) {
      const group = ready.filter((entry) => entry.consumer === consumer);
      const outcome = await this.messaging.run(
        async (tx, fresh) => {
          // A redelivery waiting in the same batch as its first delivery: the inbox holds its id once.
          const claimed = new Set<string>();
          const handled = group.filter(({ event }) => fresh.has(event.id) && !claimed.has(event.id) && !!claimed.add(event.id));
          const recorded = await this.recording.recordAll(
            tx,
            handled.map((entry) => entry.prepared),
          );
          return handled.map((entry, position) => ({ index: entry.index, recorded: recorded[position] }));
        },
        { consumer, eventIds: group.map(({ event }) => event.id) },
      );
      if (outcome.duplicate) continue;
      for (const { index, recorded } of outcome.result) {
        if (!recorded) continue;
        if (recorded.finalized) this.finalizer.observe(recorded.finalized);
        outcomes[index] = {
          created: recorded.finalized
            ? { duplicate: false, executionId: recorded.executionId, status: 'skipped', reason: recorded.reason }
            : { duplicate: false, executionId: recorded.executionId, status: 'queued' },
        };
      }
    }
    if (outcomes.some((outcome) => 'created' in outcome && !outcome.created.duplicate && outcome.created.status === 'queued'))
      this.worker.kick();
    return outcomes;
  }
}
