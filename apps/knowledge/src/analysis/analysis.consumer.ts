import { Injectable } from '@nestjs/common';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { EventOf } from '@firebreak/contracts';
import { AnalysisService } from './analysis.service';

/**
 * New episodes in. `alerts.notify` kind `firing` is the mapper's first announcement of an episode
 * (repeats are kind `repeat`, a silenced alert is not announced) and, unlike `alerts.state.changed`,
 * carries the labels and annotations an analysis needs. Other kinds are claimed and ignored.
 */
@Injectable()
export class AnalysisConsumer {
  constructor(private readonly analysis: AnalysisService) {}

  // A few at once: each may wait for the model for up to its timeout.
  @OnEvent('alerts.notify', { concurrency: 4 })
  async onNotify(event: EventOf<'alerts.notify'>, ctx: HandlerContext): Promise<void> {
    const { kind, alert } = event.data;
    if (kind !== 'firing' || !this.analysis.shouldAnalyse(alert)) return;
    const outcome = await this.analysis.analyseEpisode(alert, { consumer: ctx.consumer, eventId: event.id });
    ctx.log.info({ outcome }, outcome === 'analysed' ? 'alert analysed' : 'episode already analysed; nothing announced again');
  }
}
