import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DataOf } from '@firebreak/contracts';
import { NotifierHarness } from './notifier-harness';

/** Test support for the chat specs: raw HTTP into the app, chat-users.yaml, an approval request as the executor publishes it. */
export function post(h: NotifierHarness, url: string, headers: Record<string, string>, payload: string) {
  return h.app.getHttpAdapter().getInstance().inject({ method: 'POST', url, headers, payload });
}

export function writeChatUsers(h: NotifierHarness, yaml: string): void {
  writeFileSync(join(h.configDir, 'chat-users.yaml'), yaml);
}

export function approvalRequest(approvalId: string, runbookId = 'restart_service'): DataOf<'runbooks.approval.requested'> {
  return {
    approvalId,
    executionId: randomUUID(),
    runbookId,
    stepId: 'restart',
    severity: 'critical',
    summary: 'restart the api pods',
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  };
}

export async function requestApproval(h: NotifierHarness, runbookId = 'restart_service'): Promise<string> {
  const approvalId = randomUUID();
  await h.publisher.publish('runbooks.approval.requested', approvalRequest(approvalId, runbookId), { id: randomUUID() });
  return approvalId;
}

/** Label values that must stay data in a message and its buttons. */
export const HOSTILE_LABELS = {
  team: '<!channel> *bold* <script>alert(1)</script>',
  query: "'; DROP TABLE deliveries; --",
  link: '<https://evil.example|click>',
};
