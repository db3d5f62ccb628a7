import { Injectable } from '@nestjs/common';
import { EventOf } from '@firebreak/contracts';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { ExecutionsService } from './executions.service';

/** Records the execution and returns: running it is the worker's job, so no message is held for a whole runbook. */
@Injectable()
export class ExecutionsConsumer {
  constructor(private readonly executions: ExecutionsService) {}

  @OnEvent('runbooks.requested', { concurrency: 16 })
  async onRequested(event: EventOf<'runbooks.requested'>, ctx: HandlerContext): Promise<void> {
    const created = await this.executions.create(event.data, { inbox: { consumer: ctx.consumer, eventId: event.id } });
    if (created.duplicate) ctx.log.debug({ requestId: event.data.requestId }, 'runbook request already recorded');
    else
      ctx.log.info(
        {
          requestId: event.data.requestId,
          runbookId: event.data.runbookId,
          executionId: created.executionId,
          status: created.status,
          reason: created.reason,
        },
        'execution recorded',
      );
  }
}
