import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { FingerprintSchema, RunbookRequested } from '@firebreak/contracts';
import { notFound } from '@firebreak/platform';
import { validateParams } from '../definitions/runbook-params';
import { RunbookCatalogService } from '../runbooks/runbook-catalog.service';
import { ExecuteBody } from './executions.dto';
import { ExecutionsService } from './executions.service';

export type ManualRun = Pick<RunbookRequested, 'context' | 'params' | 'mode' | 'trigger' | 'reason'>;

/** Runs started by a person: live or dry_run by hand, and drills (timed, kept apart). Never gated like automatic runs. */
@Injectable()
export class ManualRunsService {
  constructor(
    private readonly catalog: RunbookCatalogService,
    private readonly executions: ExecutionsService,
  ) {}

  async execute(runbookId: string, body: ExecuteBody, actor: string) {
    return this.start(runbookId, { ...body, trigger: 'manual' }, actor);
  }

  async start(runbookId: string, body: ManualRun, actor: string, drillTargetMs?: number) {
    const loaded = this.catalog.get(runbookId);
    if (!loaded) throw notFound('runbook', runbookId);
    const params = validateParams(loaded.runbook, body.params);
    const fingerprint = FingerprintSchema.safeParse(body.context.fingerprint);
    const request: RunbookRequested = {
      requestId: randomUUID(),
      runbookId,
      mode: body.mode,
      trigger: body.trigger,
      ...(fingerprint.success ? { fingerprint: fingerprint.data } : {}),
      context: body.context,
      params,
      requestedBy: actor,
      reason: body.reason,
    };
    const created = await this.executions.create(request, {
      drillTargetMs,
      audit: { actor, action: body.trigger === 'drill' ? 'drill.start' : 'runbook.execute', details: { reason: body.reason } },
    });
    if (created.duplicate) throw new Error('a fresh request id was reported as a duplicate');
    return { executionId: created.executionId, status: created.status, runbookId, mode: body.mode };
  }
}
