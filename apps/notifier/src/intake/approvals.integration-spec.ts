import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DataOf } from '@firebreak/contracts';
import { waitFor } from '@firebreak/testing';
import { fingerprint } from '../testing/notifier-harness';
import { notifierWithFakes, VIEWER } from '../testing/provider-fakes';

describe('notifier: an approval page is resolved by its decision', () => {
  const { h, fakes } = notifierWithFakes('notifier_approvals');
  const { pagerduty, slack, telegram } = fakes;

  const request = (approvalId: string, fp?: string): DataOf<'runbooks.approval.requested'> => ({
    approvalId,
    executionId: `ex-${approvalId}`,
    runbookId: 'service_unavailable',
    stepId: 'restart',
    ...(fp ? { fingerprint: fp } : {}),
    severity: 'critical',
    summary: 'Restart the api pods?',
    expiresAt: '2030-01-01T00:00:00.000Z',
  });
  const decided = (
    approvalId: string,
    decision: 'approved' | 'rejected' | 'expired',
    by?: string,
  ): DataOf<'runbooks.approval.decided'> => ({
    approvalId,
    executionId: `ex-${approvalId}`,
    decision,
    ...(by ? { decidedBy: by } : {}),
    decidedAt: new Date().toISOString(),
  });
  const dedupKey = (approvalId: string) => `firebreak-approval-${approvalId}`;

  /** Waits until the notifier's durable consumer of the subject acknowledged the stream up to `seq`. */
  async function consumed(stream: string, subject: string, seq: number): Promise<void> {
    await waitFor(
      async () => (await h.connection.jsm.consumers.info(stream, `notifier-${subject.replace(/\./g, '-')}`)).ack_floor.stream_seq >= seq,
      {
        message: `${subject} #${seq} was not consumed`,
      },
    );
  }

  it('resolves the PagerDuty incident of the request with its dedup_key, tells chat who approved, and sends nothing more on redelivery', async () => {
    const fp = fingerprint();
    const approvalId = randomUUID();
    await h.publisher.publish('runbooks.approval.requested', request(approvalId, fp), { id: randomUUID(), subject: fp });
    await h.settled(fp, 4, VIEWER);
    expect(pagerduty.incidents().get(dedupKey(approvalId))?.status).toBe('triggered');

    const decision = await h.publisher.publish('runbooks.approval.decided', decided(approvalId, 'approved', 'otto'), {
      id: randomUUID(),
      subject: fp,
    });
    const items = await h.settled(fp, 8, VIEWER);
    expect(
      items
        .filter((i) => i.announcementSubject === 'runbooks.approval.decided')
        .map((i) => `${i.channel}:${i.target}:${i.status}`)
        .sort(),
    ).toEqual(['oncall-telegram:-1001:sent', 'oncall-telegram:-1002:sent', 'pagerduty:default:sent', 'team-slack:default:sent']);
    expect(pagerduty.events.map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', dedupKey(approvalId)],
      ['resolve', dedupKey(approvalId)],
    ]);
    expect(pagerduty.incidents().get(dedupKey(approvalId))?.status).toBe('resolved');
    expect(slack.messages.map((m) => m.text)).toEqual([
      expect.stringContaining('APPROVAL NEEDED: step restart waits for approval'),
      expect.stringContaining('✅ CRITICAL | runbook service_unavailable — APPROVED: step restart approved by otto'),
    ]);
    expect(telegram.messages).toHaveLength(4);

    // The same decision again: by the inbox, then (its inbox row gone) by the delivery ids.
    const republish = async () => {
      const again = await h.publisher.publishRaw(
        `${h.prefix}.runbooks.approval.decided`,
        'runbooks.approval.decided',
        new TextEncoder().encode(JSON.stringify(decision.event)),
        randomUUID(),
      );
      await consumed(decision.ack.stream, 'runbooks.approval.decided', again.seq);
    };
    await republish();
    await h.app.get(DataSource).query(`DELETE FROM "${h.schema}".inbox WHERE event_id = $1`, [decision.event.id]);
    await republish();
    expect((await h.history(`fingerprint=${fp}&limit=500`, VIEWER)).items).toHaveLength(8);
    expect(pagerduty.events).toHaveLength(2);
    expect(slack.messages).toHaveLength(2);
  });

  it('keeps the resolve of an approval that names no alert behind its trigger while the trigger is retried', async () => {
    const approvalId = randomUUID();
    pagerduty.failNext(1, { status: 503 });
    await h.publisher.publish('runbooks.approval.requested', request(approvalId), { id: randomUUID() });
    await waitFor(() => pagerduty.requests.length === 1, { message: 'the request was not tried' });
    await h.publisher.publish('runbooks.approval.decided', decided(approvalId, 'expired'), { id: randomUUID() });
    await waitFor(() => pagerduty.incidents().get(dedupKey(approvalId))?.status === 'resolved', {
      timeoutMs: 20_000,
      message: 'the approval incident was not resolved',
    });
    expect(pagerduty.requests.map((r) => [r.status, (r.body as { event_action: string }).event_action])).toEqual([
      [503, 'trigger'],
      [202, 'trigger'],
      [202, 'resolve'],
    ]);
    await waitFor(() => slack.messages.length === 2, { message: 'no follow-up in chat' });
    expect(slack.messages[1].text).toContain(
      '⌛ CRITICAL | runbook service_unavailable — EXPIRED: step restart expired without a decision',
    );
  });

  it('sends nothing for the decision of an approval never requested, and does not fail on it', async () => {
    const approvalId = randomUUID();
    const { ack } = await h.publisher.publish('runbooks.approval.decided', decided(approvalId, 'rejected', 'otto'), { id: randomUUID() });
    await consumed(ack.stream, 'runbooks.approval.decided', ack.seq);
    const stored = await h.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM "${h.schema}".deliveries WHERE approval_id = $1`, [approvalId]);
    expect(stored).toEqual([{ n: 0 }]);
    expect([pagerduty.requests, slack.messages, telegram.messages]).toEqual([[], [], []]);

    // Its request arriving late is recorded, not sent: the approval is no longer waiting.
    const fp = fingerprint();
    await h.publisher.publish('runbooks.approval.requested', request(approvalId, fp), { id: randomUUID(), subject: fp });
    const items = await h.settled(fp, 4, VIEWER);
    expect(items.map((i) => [i.status, i.lastError])).toEqual(
      Array.from({ length: 4 }, () => ['skipped', 'superseded: the approval was already rejected']),
    );
    expect([pagerduty.requests, slack.messages, telegram.messages]).toEqual([[], [], []]);
  });
});
