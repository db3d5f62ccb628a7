import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AppError, Clock, CLOCK } from '@firebreak/platform';
import { DETECTORS, DetectorCatalog } from '../definitions/detector-config';
import { HeartbeatRow, HeartbeatsRepository } from './heartbeats.repository';

/** Beats that `heartbeat` detectors wait for. */
@Injectable()
export class HeartbeatsService {
  constructor(
    private readonly repository: HeartbeatsRepository,
    @Inject(DETECTORS) private readonly catalog: DetectorCatalog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async beat(detectorId: string): Promise<{ detector: string; receivedAt: string; beats: number; lastBeatAt: string | null }> {
    const detector = this.catalog.byId.get(detectorId);
    if (!detector || detector.type !== 'heartbeat')
      throw new AppError('not_found', `no heartbeat detector "${detectorId}" is defined in detectors.yaml`, HttpStatus.NOT_FOUND);
    // Not recorded: the job that beats learns its detector is off (not watching) instead of a silent 200.
    if (!detector.enabled)
      throw new AppError(
        'detector_disabled',
        `heartbeat detector ${detectorId} is disabled (enabled: false in detectors.yaml)`,
        HttpStatus.CONFLICT,
      );
    const now = this.clock.now();
    const row = await this.repository.beat(detectorId, now);
    return { detector: detectorId, receivedAt: now.toISOString(), beats: row.beats, lastBeatAt: row.lastBeatAt?.toISOString() ?? null };
  }

  read(detectorId: string, now: Date): Promise<HeartbeatRow> {
    return this.repository.read(detectorId, now);
  }
}
