import { Injectable } from '@nestjs/common';
import { AppError, notFound } from '@firebreak/platform';
import { ApprovalsRepository } from '../approvals/approvals.repository';
import { decodeCursor, encodeCursor, executionDetail, executionSummary } from './execution-views';
import { ListExecutionsQuery } from './executions.dto';
import { ExecutionsRepository } from '../lifecycle/executions.repository';

@Injectable()
export class ExecutionsQueryService {
  constructor(
    private readonly repo: ExecutionsRepository,
    private readonly approvals: ApprovalsRepository,
  ) {}

  async list(query: ListExecutionsQuery) {
    const before = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (query.cursor && !before) throw new AppError('validation_failed', 'cursor: not a cursor this API returned', 400);
    const rows = await this.repo.list({ ...query, before, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return { items: page.map(executionSummary), nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]) : null };
  }

  async get(id: string) {
    const row = await this.repo.get(id);
    if (!row) throw notFound('execution', id);
    const [attempts, approvals] = await Promise.all([this.repo.attempts(id), this.approvals.list({ executionId: id, limit: 500 })]);
    return executionDetail(row, attempts, approvals);
  }
}
