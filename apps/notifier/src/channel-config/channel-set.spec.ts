import { ConfigError } from '@firebreak/platform';
import { parseChannelSet } from './channel-set';

const SHIPPED = `
channels:
  - { name: oncall-telegram, type: telegram, botToken: "\${TELEGRAM_BOT_TOKEN}", chatIds: ["-1001234567890"] }
  - { name: team-slack, type: slack, webhookUrl: "\${SLACK_WEBHOOK_URL}" }
  - { name: pagerduty, type: pagerduty, routingKey: "\${PAGERDUTY_ROUTING_KEY}" }
  - { name: n8n, type: webhook, url: "\${N8N_WEBHOOK_URL}" }
routes:
  - { matchers: ['severity="critical"'], channels: [pagerduty, oncall-telegram, team-slack] }
  - { matchers: ['severity=~"warning|error"'], channels: [team-slack], minSeverity: warning }
`;
const ENV = {
  TELEGRAM_BOT_TOKEN: '123456:ABC-def_ghi',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXX',
  PAGERDUTY_ROUTING_KEY: 'a'.repeat(32),
  N8N_WEBHOOK_URL: 'http://n8n.local/webhook/1',
};

function problemsOf(text: string, env: NodeJS.ProcessEnv = ENV): string[] {
  try {
    parseChannelSet(text, env, 'channels.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('channels.yaml', () => {
  it('loads the shipped file with every secret set: four enabled channels, two routes, defaults filled', () => {
    const set = parseChannelSet(SHIPPED, ENV, 'channels.yaml');
    expect(set.channels.map((c) => [c.name, c.type, c.enabled, c.fold])).toEqual([
      ['oncall-telegram', 'telegram', true, true],
      ['team-slack', 'slack', true, true],
      ['pagerduty', 'pagerduty', true, false],
      ['n8n', 'webhook', true, false],
    ]);
    expect(set.channels[0].targets).toEqual(['-1001234567890']);
    expect(set.channels[1].targets).toEqual(['default']);
    expect(set.channels[0].config.rateLimit).toEqual({ perMinute: 10, burst: 20 });
    expect(set.routes[1]).toMatchObject({ channels: ['team-slack'], minSeverity: 'warning', continue: false });
  });

  it('starts on a fresh machine: a channel whose secret is unset is disabled, naming the variable', () => {
    const set = parseChannelSet(SHIPPED, { SLACK_WEBHOOK_URL: ENV.SLACK_WEBHOOK_URL }, 'channels.yaml');
    expect(set.channels.map((c) => [c.name, c.enabled, c.disabledReason])).toEqual([
      ['oncall-telegram', false, 'TELEGRAM_BOT_TOKEN is not set'],
      ['team-slack', true, undefined],
      ['pagerduty', false, 'PAGERDUTY_ROUTING_KEY is not set'],
      ['n8n', false, 'N8N_WEBHOOK_URL is not set'],
    ]);
  });

  it('takes chat ids as a comma-separated string and a rate limit per channel', () => {
    const set = parseChannelSet(
      `channels:\n  - { name: tg, type: telegram, botToken: "1:x", chatIds: "\${IDS}", rateLimit: { perMinute: 30 } }\nroutes: []`,
      { IDS: '-100111, @ops_channel ,42' },
      'channels.yaml',
    );
    expect(set.channels[0].targets).toEqual(['-100111', '@ops_channel', '42']);
    expect(set.channels[0].config.rateLimit).toEqual({ perMinute: 30, burst: 20 });
  });

  it('stops start-up naming a route that points at an unknown channel', () => {
    expect(problemsOf(`channels: []\nroutes:\n  - { channels: [nope] }`)).toEqual([
      'channels.yaml: routes[0].channels[0]: unknown channel "nope"',
    ]);
  });

  it('reports an invalid channel once, not again for each route naming it', () => {
    expect(
      problemsOf(
        `channels:\n  - { name: s, type: slack, webhookUrl: "https://x", rateLimit: { perMinute: 0 } }\nroutes:\n  - { channels: [s] }`,
      ),
    ).toEqual([expect.stringMatching(/^channels\.yaml: channels\[0\] \(s\): rateLimit\.perMinute: /)]);
  });

  it('stops start-up naming a bad matcher, a bad field, a duplicate name and an unknown type', () => {
    const problems = problemsOf(`
channels:
  - { name: a, type: slack, webhookUrl: "https://x" }
  - { name: a, type: slack, webhookUrl: "https://y" }
  - { name: b, type: email, to: "x@y" }
  - { name: c, type: slack, webhookUrl: "https://z", rateLimit: { perMinute: 0 } }
  - { name: d, type: slack, webhookUrl: "https://z", webhookURL: "typo" }
routes:
  - { matchers: ['severity'], channels: [a] }
  - { matchers: [], channels: [a], minSeverity: urgent }
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/channels\[2\] \(b\): type: /),
        expect.stringMatching(/channels\[3\] \(c\): rateLimit\.perMinute: /),
        expect.stringMatching(/channels\[4\] \(d\): .*webhookURL/),
        'channels.yaml: channels: the name "a" is used twice',
        expect.stringMatching(/routes\[0\]\.matchers\[0\]: "severity" is not a matcher/),
        expect.stringMatching(/routes\[1\]\.minSeverity: /),
      ]),
    );
  });

  it('rejects a set secret of the wrong shape without printing it', () => {
    const problems = problemsOf(SHIPPED, { ...ENV, SLACK_WEBHOOK_URL: 'not-a-url-secret', PAGERDUTY_ROUTING_KEY: 'short-secret' });
    expect(problems).toEqual([
      'channels.yaml: channels[1] (team-slack): webhookUrl: must be an http(s) URL',
      'channels.yaml: channels[2] (pagerduty): routingKey: must be the 32-character integration key',
    ]);
    expect(problems.join('\n')).not.toMatch(/not-a-url-secret|short-secret/);
  });

  it('takes a Slack Web API channel (botToken + channelId, apiUrl defaulted), disabled while its token is unset', () => {
    const yaml = `channels:\n  - { name: s, type: slack, botToken: "\${SLACK_BOT_TOKEN}", channelId: C0123ABCD, analysis: true }\nroutes: []`;
    const [on] = parseChannelSet(yaml, { SLACK_BOT_TOKEN: 'xoxb-1-2-abc' }, 'channels.yaml').channels;
    expect(on).toMatchObject({ enabled: true, fold: true, config: { botToken: 'xoxb-1-2-abc', channelId: 'C0123ABCD' } });
    expect(on.config).not.toHaveProperty('apiUrl');
    const [off] = parseChannelSet(yaml, {}, 'channels.yaml').channels;
    expect([off.enabled, off.disabledReason]).toEqual([false, 'SLACK_BOT_TOKEN is not set']);
  });

  it('names the Slack entry whose fields do not fit together, whether or not its secrets are set', () => {
    const yaml = `channels:
  - { name: both, type: slack, webhookUrl: "\${SLACK_WEBHOOK_URL}", botToken: "\${SLACK_BOT_TOKEN}", channelId: C1 }
  - { name: neither, type: slack }
  - { name: no-channel, type: slack, botToken: "\${SLACK_BOT_TOKEN}" }
  - { name: no-token, type: slack, channelId: C1 }
  - { name: hook-api, type: slack, webhookUrl: "https://x", apiUrl: "https://slack.com/api" }
  - { name: bad-api, type: slack, botToken: "xoxb-1", channelId: C1, apiUrl: "ftp://x" }
  - { name: bad-id, type: slack, botToken: "\${SLACK_BOT_TOKEN}", channelId: "#alerts" }
routes: []`;
    const problems = problemsOf(yaml, { SLACK_BOT_TOKEN: 'xoxb-secret-value' });
    expect(problems).toEqual([
      'channels.yaml: channels[0] (both): give either webhookUrl or botToken + channelId, not both',
      'channels.yaml: channels[1] (neither): needs webhookUrl (incoming webhook) or botToken + channelId (Web API)',
      'channels.yaml: channels[2] (no-channel): channelId: needed with botToken',
      'channels.yaml: channels[3] (no-token): botToken: needed with channelId',
      'channels.yaml: channels[4] (hook-api): apiUrl: only used with botToken + channelId',
      'channels.yaml: channels[5] (bad-api): apiUrl: must be an http(s) URL',
      'channels.yaml: channels[6] (bad-id): channelId: must be a Slack channel id such as C0123456789',
    ]);
    expect(problems.join('\n')).not.toContain('xoxb-secret-value');
    // The shape is wrong whatever the environment holds: an unset token does not hide it.
    expect(problemsOf(yaml, {})).toHaveLength(6);
  });

  it('stops start-up naming a webhook header the HTTP client would refuse at every send, without printing its value', () => {
    const yaml = `channels:
  - name: hook
    type: webhook
    url: "http://n8n.local/webhook/1"
    headers:
      Expect: 100-continue
      Transfer-Encoding: chunked
      content-length: "10"
      Connection: close
      "Bad Name": x
      X-Token: "\${HOOK_TOKEN}"
      Authorization: Bearer a
      authorization: Bearer b
      Host: n8n.internal
      Idempotency-Key: static
routes: []`;
    expect(problemsOf(yaml, { HOOK_TOKEN: 'secret-value\r\nX-Injected: 1' })).toEqual([
      'channels.yaml: channels[0] (hook): headers.Expect: is set by the HTTP client and cannot be given',
      'channels.yaml: channels[0] (hook): headers.Transfer-Encoding: is set by the HTTP client and cannot be given',
      'channels.yaml: channels[0] (hook): headers.content-length: is set by the HTTP client and cannot be given',
      'channels.yaml: channels[0] (hook): headers.Connection: is set by the HTTP client and cannot be given',
      'channels.yaml: channels[0] (hook): headers."Bad Name": is not a valid header name',
      'channels.yaml: channels[0] (hook): headers.X-Token: value must be one line of text (no line breaks or control characters)',
      'channels.yaml: channels[0] (hook): headers.authorization: is given twice (letter case aside)',
    ]);
    // Host (as node:http allowed) and headers the provider also sets are fine: later ones win, case aside.
    const good = yaml.replace(/^ {6}(Expect|Transfer|content-length|Connection|"Bad|authorization).*\n/gm, '');
    expect(parseChannelSet(good, { HOOK_TOKEN: 'secret' }, 'channels.yaml').channels[0].enabled).toBe(true);
  });

  it('reports YAML syntax errors with the file name', () => {
    expect(problemsOf('channels: [\n')[0]).toMatch(/^channels\.yaml: /);
    expect(problemsOf('routes: []')[0]).toMatch(/^channels\.yaml: channels: /);
  });
});
