import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CONFIG, table } from '@firebreak/platform';
import { NotifierConfig } from '../service';
import { DeliveryStatus } from '../delivery/delivery.service';

export interface DeliveryFilter {
  channel?: string;
  status?: DeliveryStatus;
  fingerprint?: string;
  /** Only rows older than this position (the previous page's last). */
  beforeSeq?: number;
  limit: number;
}

export interface DeliveryRecord {
  id: string;
  seq: number;
  announcementId: string;
  announcementSubject: string;
  channel: string;
  channelType: string;
  target: string;
  kind: string;
  severity: string;
  fingerprint: string | null;
  title: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  responseStatus: number | null;
  responseExcerpt: string | null;
  foldedInto: string | null;
  receivedAt: string;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
}

const COLUMNS = `id, seq, announcement_id, announcement_subject, channel, channel_type, target, kind, severity, fingerprint, title, status, attempts,
  next_attempt_at, last_error, response_status, response_excerpt, folded_into, received_at, created_at, updated_at, sent_at`;

/** The delivery history as the API reads it. */
@Injectable()
export class HistoryRepository {
  private readonly deliveries: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: NotifierConfig,
  ) {
    this.deliveries = table(config.dbSchema, 'deliveries');
  }

  async list(filter: DeliveryFilter): Promise<DeliveryRecord[]> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      conditions.push(sql.replace('?', `$${values.length}`));
    };
    if (filter.channel !== undefined) add('channel = ?', filter.channel);
    if (filter.status !== undefined) add('status = ?', filter.status);
    if (filter.fingerprint !== undefined) add('fingerprint = ?', filter.fingerprint);
    if (filter.beforeSeq !== undefined) add('seq < ?', filter.beforeSeq);
    values.push(filter.limit);
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM ${this.deliveries} ${where} ORDER BY seq DESC LIMIT $${values.length}`,
      values,
    );
    return rows.map(toRecord);
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const [row] = await this.dataSource.query(`SELECT ${COLUMNS} FROM ${this.deliveries} WHERE id = $1`, [id]);
    return row ? toRecord(row) : undefined;
  }

  async getMany(ids: string[]): Promise<DeliveryRecord[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM ${this.deliveries} WHERE id = ANY($1) ORDER BY seq`,
      [ids],
    );
    return rows.map(toRecord);
  }
}

const iso = (value: unknown) => (value ? new Date(value as string).toISOString() : null);

function toRecord(row: Record<string, unknown>): DeliveryRecord {
  const status = row.status as DeliveryStatus;
  return {
    id: row.id as string,
    seq: Number(row.seq),
    announcementId: row.announcement_id as string,
    announcementSubject: row.announcement_subject as string,
    channel: row.channel as string,
    channelType: row.channel_type as string,
    target: row.target as string,
    kind: row.kind as string,
    severity: row.severity as string,
    fingerprint: (row.fingerprint as string | null) ?? null,
    title: row.title as string,
    status,
    attempts: row.attempts as number,
    nextAttemptAt: status === 'pending' ? iso(row.next_attempt_at) : null,
    lastError: (row.last_error as string | null) ?? null,
    responseStatus: (row.response_status as number | null) ?? null,
    responseExcerpt: (row.response_excerpt as string | null) ?? null,
    foldedInto: (row.folded_into as string | null) ?? null,
    receivedAt: iso(row.received_at)!,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    sentAt: iso(row.sent_at),
  };
}
