import { Injectable } from '@nestjs/common';
import { ApiPrincipal, AppError } from '@firebreak/platform';
import { DeliveryService } from '../delivery/delivery.service';
import { ListDeliveriesQuery } from './history.dto';
import { DeliveryRecord, HistoryRepository } from './history.repository';

export type { DeliveryRecord } from './history.repository';

export interface DeliveryPage {
  items: DeliveryRecord[];
  nextCursor: string | null;
}

// The cursor is the position of the page's last row, opaque to callers.
const encodeCursor = (seq: number) => Buffer.from(`seq:${seq}`).toString('base64url');
function decodeCursor(cursor: string): number {
  // Only the exact text encodeCursor makes: base64url decoding skips stray characters, so re-encode and compare.
  const match = /^seq:([1-9]\d{0,14})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || encodeCursor(Number(match[1])) !== cursor)
    throw new AppError('validation_failed', 'cursor: not a cursor this API returned', 400, {
      issues: ['cursor: not a cursor this API returned'],
    });
  return Number(match[1]);
}

/** What went where: the delivery history, newest first, and a second chance for a failed delivery. */
@Injectable()
export class HistoryService {
  constructor(
    private readonly history: HistoryRepository,
    private readonly delivery: DeliveryService,
  ) {}

  async list(filter: ListDeliveriesQuery): Promise<DeliveryPage> {
    const beforeSeq = filter.cursor ? decodeCursor(filter.cursor) : undefined;
    const rows = await this.history.list({ ...filter, beforeSeq, limit: filter.limit + 1 });
    const items = rows.slice(0, filter.limit);
    return { items, nextCursor: rows.length > filter.limit ? encodeCursor(items[items.length - 1].seq) : null };
  }

  async get(id: string): Promise<DeliveryRecord> {
    const record = await this.history.get(id);
    if (!record) throw new AppError('not_found', `notification ${id} does not exist`, 404);
    return record;
  }

  /** The deliveries with these ids, in the order they were queued. */
  getMany(ids: string[]): Promise<DeliveryRecord[]> {
    return this.history.getMany(ids);
  }

  async retry(id: string, principal: ApiPrincipal): Promise<DeliveryRecord> {
    const record = await this.get(id);
    if (record.status !== 'failed')
      throw new AppError('conflict', `notification ${id} is ${record.status}; only a failed one can be retried`, 409);
    const audit = {
      actor: principal.name,
      action: 'notification.retry',
      target: id,
      details: { channel: record.channel, attempts: record.attempts },
    };
    const outcome = await this.delivery.retryFailed(id, record.channel, audit);
    if (outcome === 'changed') throw new AppError('conflict', `notification ${id} changed meanwhile; look again`, 409);
    if (outcome === 'superseded')
      throw new AppError(
        'superseded',
        `notification ${id} is superseded: a newer announcement about the same alert (or approval) was already sent to ${record.channel}/${record.target}; sending this one now would undo it`,
        409,
      );
    return this.get(id);
  }
}
