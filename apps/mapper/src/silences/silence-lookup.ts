import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ActiveSilence, toActive } from './silence';
import { SilencesRepository } from './silences.repository';

/**
 * The silences an alert transaction must obey, read inside it after any silence change in flight
 * has committed: an alert that arrives while a silence is being created on another replica is
 * either seen by that change or sees it, never neither.
 */
@Injectable()
export class SilenceLookup {
  constructor(private readonly repository: SilencesRepository) {}

  async inForce(manager: EntityManager, now: Date): Promise<ActiveSilence[]> {
    await this.repository.lockShared(manager);
    return (await this.repository.unexpired(now, manager)).map(toActive);
  }
}
