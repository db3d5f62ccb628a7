import { Injectable } from '@nestjs/common';
import { EventOf } from '@firebreak/contracts';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { SloStatesService } from './slo-states.service';

@Injectable()
export class SloStatesConsumer {
  constructor(private readonly sloStates: SloStatesService) {}

  @OnEvent('slo.budget.changed', { concurrency: 4 })
  async onBudgetChanged(event: EventOf<'slo.budget.changed'>, ctx: HandlerContext): Promise<void> {
    await this.sloStates.onBudgetChanged(event.data, { consumer: ctx.consumer, eventId: event.id });
  }
}
