import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiPrincipal, AppError, AuditLog } from '@firebreak/platform';
import { CLOCK, Clock } from '../clock';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveriesQueryRepository, DeliveryRecord } from './deliveries-query.repository';
import { DeliveryWorker } from './delivery-worker';
import { ListNotificationsQuery } from './notifications.dto';

export interface DeliveryPage {
  items: DeliveryRecord[];
  nextCursor: string | null;
}

// The cursor is the position of the page's last row, opaque to callers.
const encodeCursor = (seq: number) => Buffer.from(`seq:${seq}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const match = /^seq:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new AppError('validation_failed', 'cursor: not a cursor this API returned', 400, { issues: ['cursor: not a cursor this API returned'] });
  return Number(match[1]);
}

/** What went where: the delivery history, newest first, and a second chance for a failed delivery. */
@Injectable()
export class DeliveryHistoryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly query: DeliveriesQueryRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly audit: AuditLog,
    private readonly worker: DeliveryWorker,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(filter: ListNotificationsQuery): Promise<DeliveryPage> {
    const beforeSeq = filter.cursor ? decodeCursor(filter.cursor) : undefined;
    const rows = await this.query.list({ ...filter, beforeSeq, limit: filter.limit + 1 });
    const items = rows.slice(0, filter.limit);
    return { items, nextCursor: rows.length > filter.limit ? encodeCursor(items[items.length - 1].seq) : null };
  }

  async get(id: string): Promise<DeliveryRecord> {
    const record = await this.query.get(id);
    if (!record) throw new AppError('not_found', `notification ${id} does not exist`, 404);
    return record;
  }

  async retry(id: string, principal: ApiPrincipal): Promise<DeliveryRecord> {
    const record = await this.get(id);
    if (record.status !== 'failed') throw new AppError('conflict', `notification ${id} is ${record.status}; only a failed one can be retried`, 409);
    const requeued = await this.dataSource.transaction(async (manager) => {
      const done = await this.deliveries.requeue(manager, id, this.clock.now());
      if (done) await this.audit.record({ actor: principal.name, action: 'notification.retry', target: id, details: { channel: record.channel, attempts: record.attempts } }, manager);
      return done;
    });
    if (!requeued) throw new AppError('conflict', `notification ${id} changed meanwhile; look again`, 409);
    this.worker.wake([record.channel]);
    return this.get(id);
  }
}
