import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { CLOCK, Clock, LOGGER } from '@firebreak/platform';
import { unreadableSilencesSource } from '../core/metrics';
import { ActiveSilence, readSilence, ReadSilence, SilenceRecord } from './silence';
import { SilencesRepository } from './silences.repository';

/**
 * Every read of stored silences for matching goes through here. A silence whose matchers no longer
 * parse is left out (fail open: the alerts it meant to quiet are announced, a page beats a lost
 * alert), logged once per silence and process, and counted by `firebreak_silences_unreadable`.
 */
@Injectable()
export class SilenceReader implements OnModuleInit {
  private readonly reported = new Set<string>();

  constructor(
    private readonly repository: SilencesRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    unreadableSilencesSource.read = async () =>
      (await this.repository.unexpired(this.clock.now())).filter((silence) => !this.read(silence).ok).length;
  }

  read(silence: SilenceRecord): ReadSilence {
    const read = readSilence(silence);
    if (!read.ok && !this.reported.has(read.id)) {
      this.reported.add(read.id);
      this.logger.warn(
        { silenceId: read.id, problem: read.problem, matchers: silence.matchers },
        'silence not applied: its stored matchers no longer parse; expire it and create it again with RE2 syntax',
      );
    }
    return read;
  }

  /** The silences that can be applied, in their order; the unreadable ones are left out. */
  usable(silences: readonly SilenceRecord[]): ActiveSilence[] {
    return silences.flatMap((silence) => {
      const read = this.read(silence);
      return read.ok ? [read.silence] : [];
    });
  }
}
