import { Injectable } from '@nestjs/common';
import { EventOf } from '@firebreak/contracts';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { AlertStateLearning } from './alert-state-learning.service';
import { BusLearningService } from './bus-learning.service';

@Injectable()
export class LearningConsumer {
  constructor(
    private readonly learning: BusLearningService,
    private readonly alertStates: AlertStateLearning,
  ) {}

  // Many in flight so that a storm's events gather into batches (AlertStateLearning keeps each alert's events in
  // the order the mapper published them; EpisodeRepository still copes with a resolution handled first, e.g. after
  // a redelivery).
  @OnEvent('alerts.state.changed', { concurrency: 256 })
  async onAlertState(event: EventOf<'alerts.state.changed'>, ctx: HandlerContext): Promise<void> {
    await this.alertStates.learn(event, ctx.consumer);
  }

  @OnEvent('runbooks.requested', { concurrency: 8 })
  async onRequested(event: EventOf<'runbooks.requested'>, ctx: HandlerContext): Promise<void> {
    await this.learning.onRequested(event, { consumer: ctx.consumer, eventId: event.id });
  }

  @OnEvent('runbooks.execution.succeeded', { concurrency: 8 })
  async onSucceeded(event: EventOf<'runbooks.execution.succeeded'>, ctx: HandlerContext): Promise<void> {
    await this.learning.onSucceeded(event.data, { consumer: ctx.consumer, eventId: event.id });
  }

  @OnEvent('runbooks.execution.failed', { concurrency: 8 })
  async onFailed(event: EventOf<'runbooks.execution.failed'>, ctx: HandlerContext): Promise<void> {
    await this.learning.onFailed(event.data, { consumer: ctx.consumer, eventId: event.id });
  }
}
