import { Injectable } from '@nestjs/common';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { EventOf } from '@firebreak/contracts';
import { AlertIngestService } from './alert-ingest.service';

@Injectable()
export class AlertsConsumer {
  constructor(private readonly ingest: AlertIngestService) {}

  // Storms: many messages in flight, so the ingest service can gather them into batches (8 batches of 64 when saturated).
  @OnEvent('alerts.received', { concurrency: 512 })
  async received(event: EventOf<'alerts.received'>, ctx: HandlerContext): Promise<void> {
    const outcome = await this.ingest.ingest(event, ctx.consumer);
    ctx.log.debug({ duplicate: outcome.duplicate, transition: outcome.duplicate ? undefined : outcome.transition }, 'alert event handled');
  }
}
