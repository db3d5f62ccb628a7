import { Injectable } from '@nestjs/common';
import { Clock } from '../core/clock';
import { RefreshingValue } from '../core/refreshing-value';
import { ActiveSilence, findSilence, toActive } from './silence';
import { SilencesRepository } from './silences.repository';

/**
 * The silences not yet over, in memory. Refreshed every second (a silence made on another replica
 * applies within that) and at once after a change made here.
 */
@Injectable()
export class SilenceCache {
  private readonly silences: RefreshingValue<ActiveSilence[]>;

  constructor(repository: SilencesRepository, clock: Clock) {
    this.silences = new RefreshingValue([], async () => (await repository.unexpired(clock.now())).map(toActive), 1_000);
  }

  async matching(labels: Record<string, string>, now: Date): Promise<ActiveSilence | null> {
    return findSilence(await this.silences.get(), labels, now);
  }

  invalidate(): void {
    this.silences.invalidate();
  }
}
