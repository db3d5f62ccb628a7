import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkNotifierConfig } from './check-config';

function channelsDir(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-check-'));
  writeFileSync(join(dir, 'channels.yaml'), text);
  return dir;
}

describe('the notifier config check (what `firebreak check-config` runs for channels and routes)', () => {
  it('passes the shipped config/ without any secret set: each channel whose variable is unset is a note', () => {
    const [channels] = checkNotifierConfig(resolve('config'), {});
    expect(channels).toMatchObject({ file: resolve('config/channels.yaml'), ok: true, problems: [] });
    expect(channels.notes).toContain('channel pagerduty (pagerduty) will be disabled: PAGERDUTY_ROUTING_KEY is not set');
    expect(channels.notes).toHaveLength(4);
    const [, chatUsers] = checkNotifierConfig(resolve('config'), {});
    expect(chatUsers).toEqual({ file: resolve('config/chat-users.yaml'), ok: true, problems: [], notes: [] });
  });

  it('checks chat-users.yaml with the loader the notifier, the executor and the mapper share', () => {
    const dir = channelsDir('channels: []\nroutes: []\n');
    writeFileSync(
      join(dir, 'chat-users.yaml'),
      'slack:\n  - { id: U0CARA, name: cara, role: root }\ntelegram:\n  - { id: 1, name: c, role: admin }\n  - { id: 1, name: d, role: viewer }\n',
    );
    const [channels, chatUsers] = checkNotifierConfig(dir, {});
    expect(channels.ok).toBe(true);
    expect(chatUsers.file).toBe(join(dir, 'chat-users.yaml'));
    expect(chatUsers.ok).toBe(false);
    expect(chatUsers.problems).toEqual([expect.stringMatching(/^slack\.0\.role: /), 'telegram.1.id: 1 (d) is listed twice']);
  });

  it('names a route to an unknown channel and a bad matcher', () => {
    const dir = channelsDir(`channels:
  - { name: team-slack, type: slack, webhookUrl: "\${SLACK_WEBHOOK_URL}" }
routes:
  - { matchers: ['severity=~"(crit"'], channels: [team-slack] }
  - { matchers: ['team="db"'], channels: [team-slck] }
`);
    const [channels] = checkNotifierConfig(dir, {});
    expect(channels.ok).toBe(false);
    expect(channels.problems).toEqual([
      expect.stringMatching(/^routes\[0\]\.matchers\[0\]: .*invalid regex/),
      'routes[1].channels[0]: unknown channel "team-slck"',
    ]);
  });

  it('checks a secret that is set, without printing it', () => {
    const dir = channelsDir('channels:\n  - { name: pd, type: pagerduty, routingKey: "${PD_KEY}" }\nroutes: []\n');
    const [channels] = checkNotifierConfig(dir, { PD_KEY: 'too-short-secret' });
    expect(channels.problems).toEqual(['channels[0] (pd): routingKey: must be the 32-character integration key']);
    expect(JSON.stringify(channels)).not.toContain('too-short-secret');
  });
});
