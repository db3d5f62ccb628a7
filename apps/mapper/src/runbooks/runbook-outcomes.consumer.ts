import { Injectable } from '@nestjs/common';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { EventOf } from '@firebreak/contracts';
import { RunbookOutcomesService } from './runbook-outcomes.service';

@Injectable()
export class RunbookOutcomesConsumer {
  constructor(private readonly outcomes: RunbookOutcomesService) {}

  // Low rate; the database pool (20) is kept for the alert batches (8) and the API.
  @OnEvent('runbooks.execution.failed', { concurrency: 2 })
  async failed(event: EventOf<'runbooks.execution.failed'>, ctx: HandlerContext): Promise<void> {
    await this.outcomes.failed(event, ctx.consumer);
  }

  @OnEvent('runbooks.execution.succeeded', { concurrency: 2 })
  async succeeded(event: EventOf<'runbooks.execution.succeeded'>, ctx: HandlerContext): Promise<void> {
    await this.outcomes.succeeded(event, ctx.consumer);
  }
}
