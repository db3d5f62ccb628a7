import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@firebreak/platform';
import { AlertLifecycle } from '../lifecycle/alert-lifecycle.service';
import { SilencedAlerts } from './silenced-alerts';
import { silenceState } from './silence';
import { SilenceReader } from './silence-reader';
import { SilencesRepository } from './silences.repository';

/** Alerts per transaction when a silence starts or ends: short enough that ingestion waits one page, not the whole silence. */
export const SILENCE_PAGE = 500;

/** How far a catch-up got: alerts changed, and whether the silence's effect is complete (no page left). */
export interface CatchUp {
  changed: number;
  done: boolean;
}

/**
 * A silence starting or ending, carried out a page at a time. Each page is its own transaction under
 * the exclusive silence lock: alert ingestion (which takes it shared) runs between pages, and sees the
 * silence as it is by time, so what it decides agrees with the pages. The silence row's
 * `applied_state` moves only with the last page, so a crash (or an error) between pages leaves a
 * silence the sweeper finds due and carries on; every page is safe to do again (a silenced alert is
 * no longer firing, a released one no longer held, and each alert's decision has an id of its own).
 */
@Injectable()
export class SilenceTransitions {
  constructor(
    private readonly repository: SilencesRepository,
    private readonly alerts: SilencedAlerts,
    private readonly reader: SilenceReader,
    private readonly lifecycle: AlertLifecycle,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Brings the alerts in line with the silence as it is now (started, or over). Stops between pages
   * once `keepGoing` says so (shutdown, or an API call that answers after one page), leaving the rest
   * to the sweeper.
   */
  async catchUp(silenceId: string, keepGoing: () => boolean = () => true): Promise<CatchUp> {
    let changed = 0;
    let after = '';
    for (;;) {
      const page = await this.lifecycle.run(async (tx) => {
        await this.repository.lockExclusive(tx.manager);
        const silence = await this.repository.lock(tx.manager, silenceId);
        if (!silence || silence.appliedState === 'expired') return { changed: 0, next: null };
        const state = silenceState(silence, tx.now);
        if (state === 'expired') {
          // Ended (by time or DELETE): release a page of what it holds, including what earlier start pages silenced.
          const released = await this.alerts.releasePage(tx, silenceId, SILENCE_PAGE);
          if (released < SILENCE_PAGE) await this.repository.markApplied(tx.manager, silenceId, 'expired');
          return { changed: released, next: released < SILENCE_PAGE ? null : '' };
        }
        if (state === 'pending' || silence.appliedState === 'active') return { changed: 0, next: null };
        const read = this.reader.read(silence);
        // An unreadable silence silences nothing, but is marked applied all the same: found due again on
        // every tick, it would take the exclusive lock and hold back alert transactions.
        const silenced = read.ok ? await this.alerts.silencePage(tx, read.silence, after, SILENCE_PAGE) : { silenced: 0, next: null };
        if (silenced.next === null) await this.repository.markApplied(tx.manager, silenceId, 'active');
        return { changed: silenced.silenced, next: silenced.next };
      });
      changed += page.changed;
      if (page.next === null) return { changed, done: true };
      if (!keepGoing()) return { changed, done: false };
      after = page.next;
    }
  }

  /**
   * The first page of `catchUp`, for a change an API call just committed: the call answers with it,
   * not after every page (20,000 alerts take ~30 s, and a client that times out and retries a POST
   * would create a second silence); the sweeper does the rest. A failure is logged, not thrown: the
   * silence itself is stored and the sweeper finishes it; failing the call would make the operator
   * create it again.
   */
  async firstPage(silenceId: string): Promise<CatchUp> {
    try {
      return await this.catchUp(silenceId, () => false);
    } catch (error) {
      this.logger.warn({ err: error, silenceId }, 'silence not applied to any alert yet; the sweeper carries on');
      return { changed: 0, done: false };
    }
  }
}
