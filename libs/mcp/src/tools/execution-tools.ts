import { z } from 'zod';
import { FirebreakApiError, type FirebreakApi } from '../firebreak-api';
import { defineTool } from './tool';

const executionId = z.string().min(1).max(100).describe('the execution id');

export const listExecutions = defineTool({
  name: 'list_executions',
  title: 'List runbook executions',
  description: 'Runbook executions, newest first: runbook, alert, mode (live, dry_run, drill), status and timing.',
  input: z.object({
    status: z.string().max(40).optional().describe('e.g. running, waiting_approval, succeeded, failed'),
    runbook: z.string().max(100).optional(),
    fingerprint: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .optional(),
    limit: z.number().int().min(1).max(200).default(50),
  }),
  write: false,
  run: (query, { api }) => api.call('runbook-executor', '/v1/executions', { query }),
});

export const getExecution = defineTool({
  name: 'get_execution',
  title: 'Get an execution',
  description: 'One execution with every step: attempts, outputs, refusals, skipped steps of dry runs, rollback and approvals.',
  input: z.object({ id: executionId }),
  write: false,
  run: ({ id }, { api }) => api.call('runbook-executor', `/v1/executions/${encodeURIComponent(id)}`),
});

interface Approval {
  id: string;
  executionId: string;
  status: string;
}

/** Approvals are decided by approval id; a model thinks in executions, so find the one it waits on. */
async function pendingApprovalOf(api: FirebreakApi, executionId: string): Promise<Approval> {
  const { approvals } = await api.call<{ approvals: Approval[] }>('runbook-executor', '/v1/approvals', {
    query: { status: 'pending', limit: 500 },
  });
  const approval = approvals.find((candidate) => candidate.executionId === executionId);
  if (!approval) throw new FirebreakApiError(404, `execution ${executionId} is not waiting for an approval`);
  return approval;
}

const decision = z.object({ execution_id: executionId, note: z.string().max(2000).optional() });

export const approveExecution = defineTool({
  name: 'approve_execution',
  title: 'Approve an execution',
  description: 'Approves the step an execution waits on, so it goes on. Audited under the token’s name.',
  input: decision,
  write: true,
  run: async ({ execution_id, note }, { api }) => {
    const approval = await pendingApprovalOf(api, execution_id);
    return api.call('runbook-executor', `/v1/approvals/${approval.id}/approve`, { method: 'POST', body: { note } });
  },
});

export const rejectExecution = defineTool({
  name: 'reject_execution',
  title: 'Reject an execution',
  description: 'Rejects the step an execution waits on, which stops it. Audited under the token’s name.',
  input: decision,
  write: true,
  destructive: true,
  run: async ({ execution_id, note }, { api }) => {
    const approval = await pendingApprovalOf(api, execution_id);
    return api.call('runbook-executor', `/v1/approvals/${approval.id}/reject`, { method: 'POST', body: { note } });
  },
});
