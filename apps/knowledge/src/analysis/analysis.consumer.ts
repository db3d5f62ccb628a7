import { Injectable } from '@nestjs/common';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { EventOf } from '@firebreak/contracts';
import { AnalysisService, EpisodeOutcome } from './analysis.service';

/**
 * New episodes in. `alerts.notify` kind `firing` is the mapper's first announcement of an episode
 * (repeats are kind `repeat`, a silenced alert is not announced) and, unlike `alerts.state.changed`,
 * carries the labels and annotations an analysis needs. Other kinds are claimed and ignored.
 */
@Injectable()
export class AnalysisConsumer {
  constructor(private readonly analysis: AnalysisService) {}

  // Many at once: an analysis mostly waits (on the model, up to its budget), so a burst of alerts must
  // not queue behind four of them; the budget counts from the announcement, so queueing eats it.
  @OnEvent('alerts.notify', { concurrency: 32 })
  async onNotify(event: EventOf<'alerts.notify'>, ctx: HandlerContext): Promise<void> {
    const { kind, alert } = event.data;
    if (kind !== 'firing' || !this.analysis.shouldAnalyse(alert)) return;
    const outcome = await this.analysis.analyseEpisode(alert, { consumer: ctx.consumer, eventId: event.id }, new Date(event.time));
    // A storm's thousands of summaries are counted in firebreak_analysis_skipped_total and stored (GET …/analysis
    // says why); a line each at info cost more CPU than storing them (~0.2 ms per alert). A stale alert stores
    // nothing, so its line stays at info: it is the only trace of why that alert has no analysis.
    if (QUIET_OUTCOMES.has(outcome)) ctx.log.debug({ outcome }, OUTCOME_TEXT[outcome]);
    else ctx.log.info({ outcome }, OUTCOME_TEXT[outcome]);
  }
}

const QUIET_OUTCOMES: ReadonlySet<EpisodeOutcome> = new Set(['storm', 'budget']);

const OUTCOME_TEXT = {
  analysed: 'alert analysed',
  duplicate: 'episode already analysed; nothing announced again',
  stale: 'alert announced too long ago; not analysed',
  storm: 'part of an alert storm: summarised, pointing at its group’s full analysis; not announced',
  budget: 'analysis rate used up: not analysed; not announced',
} satisfies Record<EpisodeOutcome, string>;
