import { Injectable } from '@nestjs/common';
import { EventOf } from '@firebreak/contracts';
import { AlertLifecycle } from '../lifecycle/alert-lifecycle.service';
import { AlertStateRepository } from '../lifecycle/alert-state.repository';
import { RunbookOutcome } from '../lifecycle/alert-machine';

const MAX_REASON = 2000;

/** Records how the runbooks the mapper requested ended; a failure that asks for it escalates the alert. */
@Injectable()
export class RunbookOutcomesService {
  constructor(
    private readonly lifecycle: AlertLifecycle,
    private readonly alerts: AlertStateRepository,
  ) {}

  async failed(event: EventOf<'runbooks.execution.failed'>, consumer: string): Promise<void> {
    const { data } = event;
    await this.record(event.id, { ...data, reason: data.reason.slice(0, MAX_REASON) }, consumer);
  }

  async succeeded(event: EventOf<'runbooks.execution.succeeded'>, consumer: string): Promise<void> {
    await this.record(event.id, { ...event.data, status: 'succeeded', escalate: false }, consumer);
  }

  private async record(sourceId: string, outcome: RunbookOutcome, consumer: string): Promise<void> {
    await this.lifecycle.run(
      async (tx) => {
        const alert = outcome.fingerprint ? await this.alerts.lock(tx.manager, outcome.fingerprint) : null;
        tx.locked();
        await this.lifecycle.execute(tx, alert, { type: 'runbook_outcome', sourceId, outcome });
      },
      { consumer, eventId: sourceId },
    );
  }
}
