import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadChatUsers } from '@firebreak/platform';
import { actionOfSlack, actionOfTelegram, slackActionsBlock, telegramKeyboard } from '../providers/buttons';
import { chatSettings } from './chat-settings';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('chat-users.yaml (the loader the notifier, the executor and the mapper share)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chat-users-'));
  const load = (text: string) => {
    writeFileSync(join(dir, 'chat-users.yaml'), text);
    return loadChatUsers({ FIREBREAK_CONFIG_DIR: dir, FIREBREAK_CHAT_USERS_FILE: 'chat-users.yaml' });
  };

  it('maps Slack and Telegram users to roles; numeric and quoted Telegram ids are the same', () => {
    const users = load(
      'slack:\n  - { id: U123ABC, name: alice, role: operator }\ntelegram:\n  - { id: 12345, name: bob, role: admin }\n  - { id: "678", name: vic, role: viewer }',
    );
    expect(users.find('slack', 'U123ABC')).toEqual({ id: 'U123ABC', name: 'alice', role: 'operator' });
    expect(users.find('telegram', '12345')?.role).toBe('admin');
    expect(users.find('telegram', '678')?.name).toBe('vic');
    expect(users.find('slack', '12345')).toBeUndefined();
    expect(users.size).toBe(3);
  });

  it('loads the shipped file, which maps nobody, and maps nobody when the file is absent', () => {
    const shipped = { FIREBREAK_CONFIG_DIR: join(__dirname, '../../../../config'), FIREBREAK_CHAT_USERS_FILE: 'chat-users.yaml' };
    expect(loadChatUsers(shipped).size).toBe(0);
    expect(loadChatUsers({ FIREBREAK_CONFIG_DIR: dir, FIREBREAK_CHAT_USERS_FILE: 'no-such-chat-users.yaml' }).size).toBe(0);
  });

  it('stops start-up naming the entry: a bad role, a bad id, an unknown field, a control character, a duplicate, bad YAML', () => {
    const problems = problemsOf(() =>
      load(
        'slack:\n  - { id: U1AA, name: a, role: root }\n  - { id: "#general", name: b, role: admin }\n  - { id: U2BB, name: "x\\u0000y", role: admin }\ntelegram:\n  - { id: 1, name: c, role: admin, rol: x }',
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(/chat-users\.yaml: slack\.0\.role: /),
      expect.stringMatching(/chat-users\.yaml: slack\.1\.id: must be a Slack user id/),
      expect.stringMatching(/chat-users\.yaml: slack\.2\.name: must not contain NUL or other control characters/),
      expect.stringMatching(/chat-users\.yaml: telegram\.0: .*rol/),
    ]);
    const twice = 'telegram:\n  - { id: 1, name: c, role: admin }\n  - { id: 1, name: d, role: viewer }';
    expect(problemsOf(() => load(twice))).toEqual([expect.stringMatching(/chat-users\.yaml: telegram\.1\.id: 1 \(d\) is listed twice$/)]);
    expect(problemsOf(() => load('slack: ['))[0]).toMatch(/chat-users\.yaml: /);
  });
});

describe('chat settings', () => {
  it('turns each provider on by its secret, and needs the Telegram URL and secret together', () => {
    expect(chatSettings({})).toEqual({});
    expect(chatSettings({ FIREBREAK_SLACK_SIGNING_SECRET: 'abcdefgh' })).toEqual({ slack: { signingSecret: 'abcdefgh' } });
    expect(problemsOf(() => chatSettings({ FIREBREAK_TELEGRAM_WEBHOOK_SECRET: 's' }))).toEqual([
      'FIREBREAK_TELEGRAM_WEBHOOK_URL is required when FIREBREAK_TELEGRAM_WEBHOOK_SECRET is set (Telegram buttons need both)',
    ]);
    expect(problemsOf(() => chatSettings({ FIREBREAK_TELEGRAM_WEBHOOK_URL: 'http://x', FIREBREAK_TELEGRAM_WEBHOOK_SECRET: 's' }))).toEqual([
      'FIREBREAK_TELEGRAM_WEBHOOK_URL must be an https:// URL (Telegram calls webhooks over HTTPS only)',
    ]);
    expect(problemsOf(() => chatSettings({ FIREBREAK_TELEGRAM_WEBHOOK_URL: 'https://x' }))[0]).toMatch(
      /^FIREBREAK_TELEGRAM_WEBHOOK_SECRET is required/,
    );
  });
});

describe('buttons', () => {
  const uuid = '0b6f6d1e-52b5-4b8e-9a3c-3f1d2e4c5a6b';

  it('round-trips Telegram callback data and fits a UUID in 64 bytes', () => {
    const keyboard = telegramKeyboard([
      { action: 'approve', value: uuid },
      { action: 'reject', value: uuid },
    ])!;
    const data = keyboard.inline_keyboard[0].map((button) => button.callback_data);
    expect(data).toEqual([`ap:${uuid}`, `rj:${uuid}`]);
    expect(data.map(actionOfTelegram)).toEqual([
      { action: 'approve', value: uuid },
      { action: 'reject', value: uuid },
    ]);
    expect(actionOfTelegram('ack:0123456789abcdef')).toEqual({ action: 'acknowledge', value: '0123456789abcdef' });
    expect(actionOfTelegram('zz:1')).toBeUndefined();
    expect(actionOfTelegram('nocolon')).toBeUndefined();
  });

  it('leaves out a button whose data would pass 64 bytes rather than cut the id', () => {
    expect(telegramKeyboard([{ action: 'approve', value: 'é'.repeat(40) }])).toBeUndefined();
  });

  it('names Slack buttons by action_id and carries the value as given, as data', () => {
    const block = slackActionsBlock([{ action: 'acknowledge', value: '<!channel>' }]) as { elements: Array<Record<string, unknown>> };
    expect(block.elements[0]).toMatchObject({
      action_id: 'firebreak_ack',
      value: '<!channel>',
      text: { type: 'plain_text', text: 'Acknowledge' },
    });
    expect(actionOfSlack('firebreak_ack')).toBe('acknowledge');
    expect(actionOfSlack('other_app_button')).toBeUndefined();
  });
});
