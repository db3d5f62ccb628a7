import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ActiveSilence } from './silence';
import { SilenceReader } from './silence-reader';
import { SilencesRepository } from './silences.repository';

/**
 * The silences an alert transaction must obey, read inside it after any silence change in flight
 * has committed: an alert that arrives while a silence is being created on another replica is
 * either seen by that change or sees it, never neither. A silence whose matchers no longer parse
 * is left out (`SilenceReader`), so it cannot fail the transaction.
 */
@Injectable()
export class SilenceLookup {
  constructor(
    private readonly repository: SilencesRepository,
    private readonly reader: SilenceReader,
  ) {}

  async inForce(manager: EntityManager, now: Date): Promise<ActiveSilence[]> {
    await this.repository.lockShared(manager);
    return this.reader.usable(await this.repository.unexpired(now, manager));
  }
}
