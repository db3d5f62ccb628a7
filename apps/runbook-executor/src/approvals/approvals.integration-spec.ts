import { FakeHttpTarget, waitFor } from '@firebreak/testing';
import { AuditLog } from '@firebreak/platform';
import { ExecutorHarness } from '../testing/executor-harness';

const target = new FakeHttpTarget();
let h: ExecutorHarness;

const guarded = (id: string, approvalTimeout = '30m') => ({
  id,
  title: `Guarded restart ${id}`,
  severity: 'critical',
  approvalTimeout,
  steps: [
    { id: 'probe', uses: 'http', with: { url: 'http://127.0.0.1:{{ params.port }}/health' } },
    { id: 'restart', uses: 'http', risk: 'high', with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/restart' } },
  ],
});

beforeAll(async () => {
  await target.start();
  h = await new ExecutorHarness(
    { 'guarded.yaml': guarded('guarded'), 'short_fuse.yaml': guarded('short_fuse', '1s') },
    { env: { FIREBREAK_APPROVAL_REQUIRED: 'true' } },
  ).start(process.env);
});

afterAll(async () => {
  await h?.stop();
  await target.stop();
});

beforeEach(() => target.reset());

const port = () => new URL(target.url).port;

async function pendingApprovalFor(requestId: string) {
  const row = await h.waitForStatus(requestId, ['waiting_approval']);
  const approvals = (await h.inject('GET', '/api/v1/approvals?status=pending', { token: 'viewer' })).json().items;
  return { row, approval: approvals.find((a: { executionId: string }) => a.executionId === row.id) };
}

describe('approvals', () => {
  it('pauses before a high-risk step, announces it once (the notifier tells the severity channels), and resumes there once approved', async () => {
    const requestId = await h.request({ runbookId: 'guarded', fingerprint: 'ffffeeeeddddcccc', params: { port: port() } });
    const { row, approval } = await pendingApprovalFor(requestId);
    expect(approval).toMatchObject({
      stepId: 'restart',
      status: 'pending',
      severity: 'critical',
      summary: 'Guarded restart guarded: restart',
    });
    expect(target.requests.map((r) => r.path)).toEqual(['/health']);
    // The probe's duration is recorded; the approval request is not a step attempt with a duration.
    const metrics = (await h.inject('GET', '/metrics', { token: null })).body;
    expect(metrics).toMatch(/firebreak_runbook_step_duration_seconds_count\{runbook="guarded",step_type="http",status="succeeded"\} 1/);
    expect(metrics).not.toMatch(/firebreak_runbook_step_duration_seconds_count\{[^}]*status="waiting_approval"/);
    await waitFor(() => h.eventsOf('runbooks.approval.requested', (d) => d.executionId === row.id).length === 1);
    expect(h.eventsOf('runbooks.approval.requested', (d) => d.executionId === row.id)[0]).toMatchObject({
      approvalId: approval.id,
      stepId: 'restart',
      severity: 'critical',
      fingerprint: 'ffffeeeeddddcccc',
    });

    expect((await h.inject('POST', `/api/v1/approvals/${approval.id}/approve`, { token: 'viewer', payload: {} })).statusCode).toBe(403);
    const approved = await h.inject('POST', `/api/v1/approvals/${approval.id}/approve`, {
      token: 'operator',
      payload: { note: 'go ahead' },
    });
    expect(approved.json()).toMatchObject({ status: 'approved', decidedBy: 'otto', note: 'go ahead' });
    await h.waitForStatus(requestId, ['succeeded']);
    expect(target.requests.map((r) => r.path)).toEqual(['/health', '/restart']);
    await waitFor(() => h.eventsOf('runbooks.approval.decided', (d) => d.approvalId === approval.id).length === 1);
    expect(
      (await h.app.get(AuditLog).recent(50)).some((e) => e.action === 'approval.approve' && e.actor === 'otto' && e.target === approval.id),
    ).toBe(true);
    expect((await h.inject('POST', `/api/v1/approvals/${approval.id}/reject`, { token: 'operator', payload: {} })).statusCode).toBe(409);
  });

  it('ends as rejected when a person rejects, without running the step', async () => {
    const requestId = await h.request({ runbookId: 'guarded', params: { port: port() }, trigger: 'manual' });
    const { row, approval } = await pendingApprovalFor(requestId);
    const rejected = await h.inject('POST', `/api/v1/approvals/${approval.id}/reject`, {
      token: 'operator',
      payload: { note: 'not during the release' },
    });
    expect(rejected.json()).toMatchObject({ status: 'rejected', decidedBy: 'otto' });
    const done = await h.waitForStatus(requestId, ['rejected']);
    expect(done.status_reason).toBe('approval of step restart rejected by otto: not during the release');
    expect(target.requests.map((r) => r.path)).toEqual(['/health']);
    await waitFor(() => h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id).length === 1);
    expect(h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id)[0]).toMatchObject({
      status: 'rejected',
      escalate: false,
    });
  });

  it('expires after approvalTimeout: the execution fails and an automatic one escalates', async () => {
    const requestId = await h.request({ runbookId: 'short_fuse', fingerprint: 'ffffeeeeddddcccc', params: { port: port() } });
    const row = await h.waitForStatus(requestId, ['failed'], 10_000);
    expect(row.status_reason).toBe('approval of step restart expired after 1s');
    const approval = (await h.inject('GET', `/api/v1/executions/${row.id}`)).json().approvals[0];
    expect(approval).toMatchObject({ stepId: 'restart', status: 'expired', decidedBy: null });
    await waitFor(() => h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id).length === 1);
    expect(h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id)[0]).toMatchObject({
      status: 'failed',
      escalate: true,
      fingerprint: 'ffffeeeeddddcccc',
    });
    expect(h.eventsOf('runbooks.approval.decided', (d) => d.approvalId === approval.id)[0]).toMatchObject({ decision: 'expired' });
    expect(target.requests.map((r) => r.path)).toEqual(['/health']);
  });

  it('cancels a waiting execution at once and closes its approval', async () => {
    const requestId = await h.request({ runbookId: 'guarded', params: { port: port() } });
    const { row, approval } = await pendingApprovalFor(requestId);
    const cancel = await h.inject('POST', `/api/v1/executions/${row.id}/cancel`, {
      token: 'operator',
      payload: { reason: 'handled by hand' },
    });
    expect(cancel.json()).toMatchObject({ status: 'cancelled' });
    expect((await h.inject('POST', `/api/v1/approvals/${approval.id}/approve`, { token: 'operator', payload: {} })).statusCode).toBe(409);
  });
});
