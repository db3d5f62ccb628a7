import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { DetectorConfig } from '../service';

export interface HeartbeatRow {
  registeredAt: Date;
  lastBeatAt: Date | null;
  beats: number;
}

interface Raw {
  registered_at: Date;
  last_beat_at: Date | null;
  beats: string;
}

const toRow = (raw: Raw): HeartbeatRow => ({ registeredAt: raw.registered_at, lastBeatAt: raw.last_beat_at, beats: Number(raw.beats) });

@Injectable()
export class HeartbeatsRepository {
  private readonly heartbeats: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: DetectorConfig,
  ) {
    this.heartbeats = table(config.dbSchema, 'heartbeats');
  }

  /** Records a beat; a beat older than the one held (a late retry) does not move it back. */
  async beat(detectorId: string, at: Date, manager: EntityManager = this.dataSource.manager): Promise<HeartbeatRow> {
    const [row] = rowsOf<Raw>(
      await manager.query(
        `INSERT INTO ${this.heartbeats} AS h (detector_id, registered_at, last_beat_at, beats) VALUES ($1, $2, $2, 1)
         ON CONFLICT (detector_id) DO UPDATE SET last_beat_at = GREATEST(h.last_beat_at, EXCLUDED.last_beat_at), beats = h.beats + 1
         RETURNING registered_at, last_beat_at, beats`,
        [detectorId, at],
      ),
    );
    return toRow(row);
  }

  /** The detector's heartbeat record, created (registered now) the first time it is asked for. */
  async read(detectorId: string, now: Date): Promise<HeartbeatRow> {
    const [row] = rowsOf<Raw>(
      await this.dataSource.query(
        `INSERT INTO ${this.heartbeats} AS h (detector_id, registered_at) VALUES ($1, $2)
         ON CONFLICT (detector_id) DO UPDATE SET detector_id = h.detector_id
         RETURNING registered_at, last_beat_at, beats`,
        [detectorId, now],
      ),
    );
    return toRow(row);
  }
}
