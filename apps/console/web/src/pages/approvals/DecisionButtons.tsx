import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useSubmitOnce } from '../../ui/submit-once';
import { IfRole } from '../../auth/session';
import { ErrorBox } from '../../ui/common';
import type { Approval } from '../executions/types';

/**
 * Approve / Reject one pending approval (operator). The API's refusal is shown as it says it: it names
 * the rule, e.g. that whoever started a run may not approve its high-risk step.
 */
export function DecisionButtons({ approval }: { approval: Approval }) {
  return (
    <IfRole role="operator">
      <Decide approval={approval} />
    </IfRole>
  );
}

function Decide({ approval }: { approval: Approval }) {
  const [note, setNote] = useState('');
  const queryClient = useQueryClient();
  const once = useSubmitOnce(`${approval.status}@${approval.decidedAt ?? ''}`);
  const decide = useMutation({
    mutationFn: (decision: 'approve' | 'reject') =>
      api<Approval>('runbook-executor', `/v1/approvals/${encodeURIComponent(approval.id)}/${decision}`, {
        method: 'POST',
        body: note.trim() ? { note: note.trim() } : {},
      }),
    onSettled: () =>
      Promise.all(
        [['approvals'], ['executions'], ['execution', approval.executionId]].map((queryKey) => queryClient.invalidateQueries({ queryKey })),
      ),
  });
  return (
    <div className="decision">
      <input
        type="text"
        aria-label="note"
        placeholder="note (optional)"
        value={note}
        maxLength={2000}
        onChange={(e) => setNote(e.target.value)}
      />
      <button type="button" className="primary" disabled={decide.isPending} onClick={() => once(() => decide.mutateAsync('approve'))}>
        Approve
      </button>
      <button type="button" className="danger" disabled={decide.isPending} onClick={() => once(() => decide.mutateAsync('reject'))}>
        Reject
      </button>
      {decide.isError && <ErrorBox error={decide.error} />}
    </div>
  );
}
