import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CONFIG } from '@firebreak/platform';
import { MapperConfig } from '../service';

/**
 * Claims many events in the bus library's inbox table at once, for the batched alert path.
 * TransactionalMessaging.run claims one event per transaction; the table layout is the
 * library's contract (changes to it come with a migration in every app).
 */
@Injectable()
export class InboxRepository {
  private readonly table: string;

  constructor(@Inject(CONFIG) config: MapperConfig) {
    this.table = `"${config.dbSchema}".inbox`;
  }

  /** The ids not seen before by `consumer`; the others are redeliveries to do nothing about. */
  async claim(manager: EntityManager, consumer: string, eventIds: string[]): Promise<Set<string>> {
    const rows: Array<{ event_id: string }> = await manager.query(
      `INSERT INTO ${this.table} (consumer, event_id) SELECT $1, id FROM unnest($2::text[]) AS id ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer, eventIds],
    );
    return new Set(rows.map((row) => row.event_id));
  }
}
