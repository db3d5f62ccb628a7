import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AttemptRecord } from '../../engine/engine.types';
import { ExecutionsRepository } from '../../lifecycle/executions.repository';

/** A running execution of table `executions` leased to `owner` for a minute, as a claim leaves it. */
export async function leasedRun(db: DataSource, repo: ExecutionsRepository, executions: string, owner: string): Promise<string> {
  const id = randomUUID();
  await db.transaction((manager) =>
    repo.insert(manager, {
      ...{ id, requestId: id, runbookId: 'r', definition: null, mode: 'live', trigger: 'alert', severity: 'warning' },
      ...{ concurrencyKey: null, concurrencyLimit: null, runbookLimit: null, context: {}, params: {} },
      ...{ status: 'queued', escalate: false, createdAt: new Date() },
    }),
  );
  await db.query(`UPDATE ${executions} SET status = 'running', lease_owner = $2, lease_until = now() + interval '1 minute' WHERE id = $1`, [
    id,
    owner,
  ]);
  return id;
}

/** The first attempt of an http step, finished a second after it started unless still running. */
export const httpAttempt = (stepId: string, status: AttemptRecord['status']): AttemptRecord => ({
  ...{ stepId, stepType: 'http', attempt: 1, rollback: false, status, startedAt: new Date('2026-01-01T00:00:00Z') },
  ...(status === 'running' ? {} : { finishedAt: new Date('2026-01-01T00:00:01Z') }),
});

/** The execution as its events name it. */
export const executionRef = (id: string) => ({ id, request_id: id, runbook_id: 'r', mode: 'live' as const, fingerprint: null });
