import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, Stack } from '../stack';

const VIEWER = 'routes-e2e-viewer-token';
const CLI = join(ROOT, 'dist', 'tools', 'cli', 'main.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built CLI as a process; HOME is empty (no config file), the environment is only what is given. */
function cli(args: string[], env: Record<string, string>, cwd = ROOT): Promise<CliResult> {
  const home = mkdtempSync(join(tmpdir(), 'firebreak-routes-e2e-'));
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: home, ...env }, cwd }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('firebreak routes test against a running mapper and notifier', () => {
  let stack: Stack;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = new Stack({
      apps: ['mapper', 'notifier'],
      // One channel with its secret set (nothing is sent by a test), the others disabled as on a fresh machine.
      env: { FIREBREAK_API_TOKENS: `${VIEWER}:viewer:vera`, SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/never-called' },
    });
    await stack.start();
    env = { FIREBREAK_TOKEN: VIEWER, FIREBREAK_URL_MAPPER: stack.url('mapper'), FIREBREAK_URL_NOTIFIER: stack.url('notifier') };
  });

  afterAll(() => stack?.cleanUp());

  it('prints the runbook and where it came from, then each channel with its state', async () => {
    const result = await cli(['routes', 'test', 'alertname=HighErrorRate', 'severity=critical', 'service=api'], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('runbook: high_error_rate (from mappings.yaml alertnames.HighErrorRate)');
    expect(lines).toContain('severity: critical');
    expect(lines).toContainEqual(
      expect.stringMatching(/^pagerduty\s+pagerduty\s+disabled: PAGERDUTY_ROUTING_KEY is not set\s+routes\[0\]/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^oncall-telegram\s+telegram\s+disabled: TELEGRAM_BOT_TOKEN is not set/));
    expect(lines).toContainEqual(expect.stringMatching(/^team-slack\s+slack\s+enabled\s+routes\[0\] severity="critical"$/));
  });

  it('answers in JSON with both services answers, an annotation choosing the runbook', async () => {
    const result = await cli(
      ['-o', 'json', 'routes', 'test', 'alertname=DiskFull', 'severity=warning', '--annotation', 'automation_runbook=notify_admin'],
      env,
    );
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout);
    expect(answer.mapping).toMatchObject({ runbook: 'notify_admin', source: 'annotation' });
    expect(answer.routing).toMatchObject({ severity: 'warning', channels: ['team-slack'] });
  });

  it('keeps hostile label values off the terminal, and refuses bad input with exit 1', async () => {
    const hostile = await cli(['routes', 'test', 'alertname=\x1b[2JBoom<script>', 'severity=info'], env);
    expect(hostile.code).toBe(0);
    expect(hostile.stdout).not.toContain('\x1b');
    expect(hostile.stdout).toContain('runbook: none');
    expect(hostile.stdout).toContain('channels: none (no route matched)');

    const badName = await cli(['routes', 'test', 'bad-name=x'], env);
    expect([badName.code, badName.stderr]).toEqual([1, expect.stringContaining('bad-name=x')]);
    const badSeverity = await cli(['routes', 'test', 'alertname=X', '--severity', 'urgent'], env);
    expect([badSeverity.code, badSeverity.stderr]).toEqual([1, expect.stringMatching(/notifier answered 400/)]);
    const noToken = await cli(['routes', 'test', 'alertname=X'], { ...env, FIREBREAK_TOKEN: 'not-a-valid-token' });
    expect([noToken.code, noToken.stderr]).toEqual([1, expect.stringContaining('the token was refused')]);
  });
});

describe('firebreak check-config, offline', () => {
  /** A copy of config/ and runbooks/ with one mistake per kind of file. */
  function brokenCopy(): string {
    const root = mkdtempSync(join(tmpdir(), 'firebreak-check-e2e-'));
    cpSync(join(ROOT, 'config'), join(root, 'config'), { recursive: true });
    cpSync(join(ROOT, 'runbooks'), join(root, 'runbooks'), { recursive: true });
    const edit = (file: string, from: string, to: string) => {
      const path = join(root, file);
      const text = readFileSync(path, 'utf8');
      if (!text.includes(from)) throw new Error(`${file} has no ${from}`);
      writeFileSync(path, text.replace(from, to));
    };
    edit('config/channels.yaml', 'channels: [team-slack], minSeverity: warning', 'channels: [team-slck], minSeverity: warning');
    edit('config/channels.yaml', `matchers: ['severity="critical"']`, `matchers: ['severity=~"(crit"']`);
    edit('runbooks/notify_admin.yaml', 'uses: notify', 'uses: teleport');
    edit('config/detectors.yaml', '    interval: 1m\n', '    cron: "61 * * * *"\n');
    edit('config/slos.yaml', 'target: 0.99', 'target: 1.5');
    return join(root, 'config');
  }

  // Five child processes per run, each loading a service's modules: slow on a busy machine.
  const SLOW = 240_000;

  it(
    'passes the repository config/ (exit 0), secrets unset being notes',
    async () => {
      const result = await cli(['check-config', 'config'], {});
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      for (const file of [
        'config/channels.yaml',
        'config/mappings.yaml',
        'config/detectors.yaml',
        'config/slos.yaml',
        'runbooks/notify_admin.yaml',
      ])
        expect(result.stdout).toContain(`${file}: OK\n`);
      expect(result.stdout).toContain(
        'config/channels.yaml: note: channel pagerduty (pagerduty) will be disabled: PAGERDUTY_ROUTING_KEY is not set',
      );
    },
    SLOW,
  );

  it(
    'fails a broken copy (exit 1) with a line naming each bad entry, in text and in JSON',
    async () => {
      const dir = brokenCopy();
      // Both at once: each run starts five processes, each loading a service's modules.
      const [result, json] = await Promise.all([
        cli(['check-config', dir], {}, join(dir, '..')),
        cli(['-o', 'json', 'check-config', dir, '--runbooks', join(dir, '..', 'runbooks')], {}, join(dir, '..')),
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/firebreak: 4 of \d+ config files have problems/);
      const lines = result.stdout.split('\n');
      expect(lines).toEqual(
        expect.arrayContaining([
          'config/channels.yaml: routes[1].channels[0]: unknown channel "team-slck"',
          expect.stringMatching(/^config\/channels\.yaml: routes\[0\]\.matchers\[0\]: .*invalid regex/),
          expect.stringMatching(/^runbooks\/notify_admin\.yaml: steps\.0\.uses: /),
          expect.stringMatching(/^config\/detectors\.yaml: detectors\.0\.cron: .*61/),
          expect.stringMatching(/^config\/slos\.yaml: document 1 \(.+\): spec\.objectives\.0\.target: must be below 1/),
        ]),
      );
      expect(lines).toContain('config/mappings.yaml: OK');

      expect(json.code).toBe(1);
      const answer = JSON.parse(json.stdout);
      expect(answer.ok).toBe(false);
      expect(answer.files.filter((file: { ok: boolean }) => !file.ok).map((file: { file: string }) => file.file)).toEqual(
        expect.arrayContaining(['config/channels.yaml', 'runbooks/notify_admin.yaml', 'config/detectors.yaml', 'config/slos.yaml']),
      );
    },
    SLOW,
  );

  it(
    'exits 2 when the directory is missing',
    async () => {
      const result = await cli(['check-config', 'no-such-dir'], {});
      expect([result.code, result.stderr]).toEqual([2, 'firebreak: no such directory: no-such-dir\n']);
    },
    SLOW,
  );
});
