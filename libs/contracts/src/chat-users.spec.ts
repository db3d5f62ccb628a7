import { ChatUsersFileSchema } from './chat-users';
import { AlertAcknowledgeCommandSchema, ApprovalDecideCommandSchema } from './commands';

const actor = { name: 'cara', role: 'operator', via: 'slack', chatUserId: 'U0CARA' } as const;
const decide = (overrides: Record<string, unknown>) => ({
  approvalId: '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  decision: 'approve',
  actor,
  requestedAt: '2026-12-06T22:00:00Z',
  ...overrides,
});
const messages = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) =>
  result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];

describe('chat requests on the bus', () => {
  it('refuse NUL and control characters in names, chat user ids and comments (Postgres would refuse NUL on every retry)', () => {
    expect(ApprovalDecideCommandSchema.safeParse(decide({ comment: 'from Slack' })).success).toBe(true);
    expect(ApprovalDecideCommandSchema.safeParse(decide({ comment: 'two\nlines\tand a tab' })).success).toBe(true);
    expect(messages(ApprovalDecideCommandSchema.safeParse(decide({ comment: 'a\u0000b' })))).toEqual([
      'comment: must not contain NUL or other control characters',
    ]);
    expect(
      messages(ApprovalDecideCommandSchema.safeParse(decide({ actor: { ...actor, name: 'ca\u0000ra', chatUserId: 'U0\u001b[2J' } }))),
    ).toEqual([
      'actor.name: must not contain NUL or other control characters',
      'actor.chatUserId: must not contain NUL or other control characters',
    ]);
    const ack = { fingerprint: 'feedfacecafebeef', actor, requestedAt: '2026-12-06T22:00:00Z' };
    expect(AlertAcknowledgeCommandSchema.safeParse(ack).success).toBe(true);
    expect(AlertAcknowledgeCommandSchema.safeParse({ ...ack, actor: { ...actor, name: 'cara\r\nadmin' } }).success).toBe(false);
    expect(AlertAcknowledgeCommandSchema.safeParse({ ...ack, comment: 'x\u007f' }).success).toBe(false);
  });
});

describe('chat-users.yaml schema', () => {
  it('names a Telegram id listed twice, and a name with a control character', () => {
    const parsed = ChatUsersFileSchema.safeParse({
      slack: [{ id: 'U0CARA', name: 'cara\u0007', role: 'operator' }],
      telegram: [
        { id: 1, name: 'c', role: 'admin' },
        { id: '1', name: 'd', role: 'viewer' },
      ],
    });
    expect(messages(parsed)).toEqual([
      'slack.0.name: must not contain NUL or other control characters',
      'telegram.1.id: 1 (d) is listed twice',
    ]);
  });
});
