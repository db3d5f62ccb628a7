import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CONFIG } from '@firebreak/platform';
import { NotifierConfig } from '../service';

/**
 * The bus's inbox table (in this service's schema), claimed for many events in one statement:
 * TransactionalMessaging.run takes one inbox key, and a batch of announcements has many.
 */
@Injectable()
export class InboxRepository {
  private readonly table: string;

  constructor(@Inject(CONFIG) config: NotifierConfig) {
    this.table = `"${config.dbSchema}".inbox`;
  }

  /** Records the events as handled; returns the keys that were new (the others are redeliveries). */
  async claim(manager: EntityManager, keys: Array<{ consumer: string; eventId: string }>): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows: Array<{ consumer: string; event_id: string }> = await manager.query(
      `INSERT INTO ${this.table} (consumer, event_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING RETURNING consumer, event_id`,
      [keys.map((key) => key.consumer), keys.map((key) => key.eventId)],
    );
    return new Set(rows.map((row) => inboxKey(row.consumer, row.event_id)));
  }
}

export const inboxKey = (consumer: string, eventId: string) => `${consumer}\u0000${eventId}`;
