import { Injectable } from '@nestjs/common';
import { EventOf } from '@firebreak/contracts';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { VerificationService } from './verification.service';

@Injectable()
export class VerificationConsumer {
  constructor(private readonly verification: VerificationService) {}

  @OnEvent('alerts.state.changed', { concurrency: 8 })
  async onAlertState(event: EventOf<'alerts.state.changed'>, ctx: HandlerContext): Promise<void> {
    await this.verification.onAlertState(event.data, { consumer: ctx.consumer, eventId: event.id });
  }
}
