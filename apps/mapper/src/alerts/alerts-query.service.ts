import { Injectable } from '@nestjs/common';
import { notFound } from '@firebreak/platform';
import { HistoryRepository, HistoryView } from '../lifecycle/history.repository';
import { AlertsRepository } from './alerts.repository';
import { AlertView, alertView } from './alert-view';
import { encodeCursor, ListAlertsQuery } from './alerts.dto';

const HISTORY_LIMIT = 200;

@Injectable()
export class AlertsQueryService {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly history: HistoryRepository,
  ) {}

  async list(query: ListAlertsQuery): Promise<{ items: AlertView[]; nextCursor: string | null }> {
    // One row more than asked tells whether another page exists without counting.
    const rows = await this.alerts.list({
      statuses: query.status,
      severity: query.severity,
      alertname: query.alertname,
      labels: query.label ?? [],
      after: query.cursor,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > query.limit && last ? encodeCursor({ firstSeen: last.firstSeen.toISOString(), fingerprint: last.fingerprint }) : null;
    return { items: page.map(alertView), nextCursor };
  }

  /** The alert with its newest history entries (oldest first). */
  async get(fingerprint: string): Promise<AlertView & { history: HistoryView[] }> {
    const record = await this.alerts.find(fingerprint);
    if (!record) throw notFound('alert', fingerprint);
    return { ...alertView(record), history: await this.history.recent(fingerprint, HISTORY_LIMIT) };
  }
}
