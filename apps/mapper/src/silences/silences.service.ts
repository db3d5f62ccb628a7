import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { formatMatcher, matchesEmptyLabelSet } from '@firebreak/contracts';
import { AppError, AuditLog, notFound } from '@firebreak/platform';
import { Clock } from '../core/clock';
import { AlertTransactions } from '../lifecycle/alert-transactions';
import { SilenceEffects } from './silence-effects';
import { SilenceRecord, SilenceState, silenceState, toActive } from './silence';
import { CreateSilenceBody } from './silences.dto';
import { SilencesRepository } from './silences.repository';

export type SilenceView = Omit<SilenceRecord, 'appliedState'> & { state: SilenceState };

const LIST_LIMIT = 500;

@Injectable()
export class SilencesService {
  constructor(
    private readonly repository: SilencesRepository,
    private readonly effects: SilenceEffects,
    private readonly transactions: AlertTransactions,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async list(state: SilenceState | undefined): Promise<SilenceView[]> {
    const now = this.clock.now();
    return (await this.repository.list(state, now, LIST_LIMIT)).map((silence) => view(silence, now));
  }

  async create(body: CreateSilenceBody, actor: string): Promise<SilenceView> {
    const now = this.clock.now();
    const silence = this.validated(body, actor, now);
    const outcome = await this.transactions.run(async (fx) => {
      await this.repository.lockExclusive(fx.tx.manager);
      await this.repository.insert(fx.tx.manager, silence);
      const silenced = silence.appliedState === 'active' ? await this.effects.apply(fx, toActive(silence)) : 0;
      await this.audit.record({ actor, action: 'silence.create', target: silence.id, details: { matchers: silence.matchers, startsAt: silence.startsAt, endsAt: silence.endsAt, comment: silence.comment, silenced } }, fx.tx.manager);
    });
    if (outcome.duplicate) throw new Error('a silence is never a duplicate');
    return view(silence, now);
  }

  /** Ends a silence now, as Alertmanager's DELETE does; the record stays, expired. */
  async expire(id: string, actor: string): Promise<SilenceView> {
    const outcome = await this.transactions.run(async (fx) => {
      await this.repository.lockExclusive(fx.tx.manager);
      const silence = await this.repository.lock(fx.tx.manager, id);
      if (!silence) throw notFound('silence', id);
      if (silenceState(silence, fx.now) === 'expired') throw new AppError('conflict', `silence ${id} has already expired`, 409);
      await this.repository.expire(fx.tx.manager, id, fx.now);
      const released = await this.effects.lift(fx, id);
      await this.audit.record({ actor, action: 'silence.expire', target: id, details: { matchers: silence.matchers, released } }, fx.tx.manager);
      const startsAt = silence.startsAt.getTime() < fx.now.getTime() ? silence.startsAt : fx.now;
      return { ...silence, startsAt, endsAt: fx.now, updatedAt: fx.now };
    });
    if (outcome.duplicate) throw new Error('an expiry is never a duplicate');
    return view(outcome.result, outcome.result.updatedAt);
  }

  private validated(body: CreateSilenceBody, actor: string, now: Date): SilenceRecord {
    const startsAt = body.startsAt ? new Date(body.startsAt) : now;
    const endsAt = new Date(body.endsAt);
    if (endsAt.getTime() <= now.getTime()) throw new AppError('validation_failed', 'endsAt: must be in the future', 400);
    if (endsAt.getTime() <= startsAt.getTime()) throw new AppError('validation_failed', 'endsAt: must be after startsAt', 400);
    if (matchesEmptyLabelSet(body.matchers)) {
      throw new AppError('validation_failed', 'matchers: at least one matcher must not match the empty string, or the silence would cover every alert', 400);
    }
    const silence = { id: randomUUID(), matchers: body.matchers.map(formatMatcher), startsAt, endsAt, createdBy: actor, comment: body.comment, createdAt: now, updatedAt: now };
    return { ...silence, appliedState: silenceState(silence, now) === 'active' ? 'active' : 'pending' };
  }
}

function view(silence: SilenceRecord, now: Date): SilenceView {
  const { appliedState: _applied, ...rest } = silence;
  return { ...rest, state: silenceState(silence, now) };
}
