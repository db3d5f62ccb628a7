import { Injectable } from '@nestjs/common';
import { OnEvent } from '@firebreak/bus';
import { CloudEvent, DataOf } from '@firebreak/contracts';
import { RunbookOutcomesService } from './runbook-outcomes.service';

@Injectable()
export class RunbookOutcomesConsumer {
  constructor(private readonly outcomes: RunbookOutcomesService) {}

  // Low rate; the database pool (20) is kept for the alert batches (8) and the API.
  @OnEvent('runbooks.execution.failed', { concurrency: 2 })
  async failed(event: CloudEvent<DataOf<'runbooks.execution.failed'>>): Promise<void> {
    await this.outcomes.failed(event);
  }

  @OnEvent('runbooks.execution.succeeded', { concurrency: 2 })
  async succeeded(event: CloudEvent<DataOf<'runbooks.execution.succeeded'>>): Promise<void> {
    await this.outcomes.succeeded(event);
  }
}
