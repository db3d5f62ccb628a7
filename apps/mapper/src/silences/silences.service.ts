import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { formatMatcher, matchesEmptyLabelSet } from '@firebreak/contracts';
import { AppError, AuditLog, CLOCK, Clock, notFound } from '@firebreak/platform';
import { AlertLifecycle } from '../lifecycle/alert-lifecycle.service';
import { SilenceSweeper } from './silence-sweeper';
import { SilenceTransitions } from './silence-transitions';
import { SilenceRecord, SilenceState, silenceState } from './silence';
import { SilenceReader } from './silence-reader';
import { CreateSilenceBody } from './silences.dto';
import { SilencesRepository } from './silences.repository';

/**
 * A silence as the API shows it. `applied: false` with a `problem` marks a stored silence whose
 * matchers no longer parse (a pattern an older release accepted): it is listed, but not applied.
 * `progress` says whether its effect on the alerts it covers is complete (`done`) or still being
 * applied (or lifted) page by page (`in_progress`); alerts received meanwhile already obey it.
 */
export type SilenceView = Omit<SilenceRecord, 'appliedState'> & {
  state: SilenceState;
  applied: boolean;
  progress: SilenceProgress;
  problem?: string;
};

export type SilenceProgress = 'in_progress' | 'done';

/** The answer to POST and DELETE: the silence, and how many alerts it silenced (or released) before the answer. */
export type SilenceChange = SilenceView & { alertsChanged: number };

/** Whether the alerts were brought in line with the silence's state (a silence still to come has nothing to do yet). */
export function progressOf(state: SilenceState, appliedState: SilenceState): SilenceProgress {
  return state === 'pending' || state === appliedState ? 'done' : 'in_progress';
}

const LIST_LIMIT = 500;

@Injectable()
export class SilencesService {
  constructor(
    private readonly repository: SilencesRepository,
    private readonly transitions: SilenceTransitions,
    private readonly sweeper: SilenceSweeper,
    private readonly reader: SilenceReader,
    private readonly lifecycle: AlertLifecycle,
    private readonly audit: AuditLog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(state: SilenceState | undefined): Promise<SilenceView[]> {
    const now = this.clock.now();
    return (await this.repository.list(state, now, LIST_LIMIT)).map((silence) => this.view(silence, now));
  }

  /**
   * Stores the silence and silences the first page of firing alerts it matches, then answers; the
   * sweeper (kicked now) silences the rest page by page (SilenceTransitions). Alerts received
   * meanwhile already obey it: ingestion and the escalation poller read the silences in force.
   */
  async create(body: CreateSilenceBody, actor: string): Promise<SilenceChange> {
    const now = this.clock.now();
    const silence = this.validated(body, actor, now);
    await this.lifecycle.run(async (tx) => {
      await this.repository.lockExclusive(tx.manager);
      // Stored as not yet applied: if this process dies before the last page, the sweeper finishes it.
      await this.repository.insert(tx.manager, { ...silence, appliedState: 'pending' });
      const details = { matchers: silence.matchers, startsAt: silence.startsAt, endsAt: silence.endsAt, comment: silence.comment };
      await this.audit.record({ actor, action: 'silence.create', target: silence.id, details }, tx.manager);
    });
    if (silenceState(silence, now) !== 'active') return { ...this.view({ ...silence, appliedState: 'pending' }, now), alertsChanged: 0 };
    return this.afterFirstPage({ ...silence, appliedState: 'pending' }, now, 'active');
  }

  /**
   * Ends a silence now, as Alertmanager's DELETE does; the record stays, expired. The first page of
   * alerts it held is released before the answer, the sweeper releases the rest.
   */
  async expire(id: string, actor: string): Promise<SilenceChange> {
    const expired = await this.lifecycle.run(async (tx) => {
      await this.repository.lockExclusive(tx.manager);
      const silence = await this.repository.lock(tx.manager, id);
      if (!silence) throw notFound('silence', id);
      if (silenceState(silence, tx.now) === 'expired') throw new AppError('conflict', `silence ${id} has already expired`, 409);
      await this.repository.expire(tx.manager, id, tx.now);
      await this.audit.record({ actor, action: 'silence.expire', target: id, details: { matchers: silence.matchers } }, tx.manager);
      const startsAt = silence.startsAt.getTime() < tx.now.getTime() ? silence.startsAt : tx.now;
      return { ...silence, startsAt, endsAt: tx.now, updatedAt: tx.now };
    });
    return this.afterFirstPage(expired, expired.updatedAt, 'expired');
  }

  /** Applies (or lifts) one page now; what is left goes to the sweeper, kicked so it starts at once. */
  private async afterFirstPage(silence: SilenceRecord, now: Date, target: SilenceState): Promise<SilenceChange> {
    const first = await this.transitions.firstPage(silence.id);
    if (!first.done) this.sweeper.kick();
    const appliedState = first.done ? target : silence.appliedState;
    return { ...this.view({ ...silence, appliedState }, now), alertsChanged: first.changed };
  }

  private view(silence: SilenceRecord, now: Date): SilenceView {
    const { appliedState, ...rest } = silence;
    const read = this.reader.read(silence);
    const state = silenceState(silence, now);
    return { ...rest, state, applied: read.ok, progress: progressOf(state, appliedState), ...(read.ok ? {} : { problem: read.problem }) };
  }

  private validated(body: CreateSilenceBody, actor: string, now: Date): SilenceRecord {
    const startsAt = body.startsAt ? new Date(body.startsAt) : now;
    const endsAt = new Date(body.endsAt);
    if (endsAt.getTime() <= now.getTime()) throw new AppError('validation_failed', 'endsAt: must be in the future', 400);
    if (endsAt.getTime() <= startsAt.getTime()) throw new AppError('validation_failed', 'endsAt: must be after startsAt', 400);
    if (matchesEmptyLabelSet(body.matchers)) {
      throw new AppError(
        'validation_failed',
        'matchers: at least one matcher must not match the empty string, or the silence would cover every alert',
        400,
      );
    }
    const silence = {
      id: randomUUID(),
      matchers: body.matchers.map(formatMatcher),
      startsAt,
      endsAt,
      createdBy: actor,
      comment: body.comment,
      createdAt: now,
      updatedAt: now,
    };
    return { ...silence, appliedState: silenceState(silence, now) === 'active' ? 'active' : 'pending' };
  }
}
