import { Injectable } from '@nestjs/common';
import { EventOf } from '@firebreak/contracts';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { RequestsRecorder } from './requests-recorder';

/** Records the execution and returns: running it is the worker's job, so no message is held for a whole runbook. */
@Injectable()
export class ExecutionsConsumer {
  constructor(private readonly recorder: RequestsRecorder) {}

  // Many messages in flight, so the recorder can gather a burst into batches (4 of 64 when saturated).
  @OnEvent('runbooks.requested', { concurrency: 256 })
  async onRequested(event: EventOf<'runbooks.requested'>, ctx: HandlerContext): Promise<void> {
    const created = await this.recorder.record(event, ctx.consumer);
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
