import { Injectable } from '@nestjs/common';
import { executionSummary } from '../executions/execution-views';
import { ManualRunsService } from '../executions/manual-runs.service';
import { ExecutionsRepository } from '../lifecycle/executions.repository';
import { DrillBody } from './drills.dto';

/** Drills: a runbook run with mutating steps skipped, timed against its target, listed apart from real runs. */
@Injectable()
export class DrillsService {
  constructor(
    private readonly runs: ManualRunsService,
    private readonly repo: ExecutionsRepository,
  ) {}

  start(body: DrillBody, actor: string) {
    return this.runs.start(body.runbookId, { ...body, mode: 'drill', trigger: 'drill' }, actor, body.target);
  }

  async list(limit: number) {
    const rows = await this.repo.list({ mode: 'drill', limit });
    return { items: rows.map(executionSummary) };
  }
}
