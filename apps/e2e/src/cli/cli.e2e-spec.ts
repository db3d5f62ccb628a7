import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@firebreak/testing';
import { App, ROOT, Stack } from '../stack';

const ADMIN = 'cli-e2e-admin-token';
const OPERATOR = 'cli-e2e-operator-token';
const VIEWER = 'cli-e2e-viewer-token';
const CLI = join(ROOT, 'dist', 'tools', 'cli', 'main.js');
const APPS: App[] = ['ingress', 'mapper', 'runbook-executor', 'detector-scheduler', 'slo-reporter'];
const HOSTILE = '\x1b[2J\x1b]0;owned\x07<b>x</b>';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A runbook whose only step waits for a person. */
const gated = {
  id: 'cli_gated',
  title: 'Gated (CLI e2e)',
  description: 'One approval step.',
  severity: 'warning',
  tags: ['cli-e2e'],
  steps: [{ id: 'gate', uses: 'approval', with: { summary: 'go ahead?' } }],
};

/** The built `firebreak` CLI (dist/tools/cli/main.js) as a process against one stack of the built services. */
describe('the firebreak CLI against running services', () => {
  let stack: Stack;
  let home: string;

  const urlEnv = () =>
    Object.fromEntries(
      APPS.filter((app) => stack.services.has(app)).map((app) => [`FIREBREAK_URL_${app.toUpperCase().replace(/-/g, '_')}`, stack.url(app)]),
    );

  /** Runs the CLI; `env` on top of the stack's URLs and the operator token (HOME is an empty directory: no config file). */
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
    new Promise((resolve) => {
      const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, FIREBREAK_TOKEN: OPERATOR, ...urlEnv(), ...env };
      execFile(process.execPath, [CLI, ...args], { env: childEnv }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  /** A shell line, so `$(…)` substitution is the shell's. */
  const shell = (line: string): Promise<CliResult> =>
    new Promise((resolve) => {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: home,
        FIREBREAK_TOKEN: OPERATOR,
        FB: `${process.execPath} ${CLI}`,
        ...urlEnv(),
      };
      execFile('/bin/sh', ['-c', line], { env }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  const api = async (app: App, method: string, path: string, body?: unknown, token = ADMIN) => {
    const response = await fetch(`${stack.url(app)}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  const postAlert = async (name: string, labels: Record<string, string>): Promise<string> => {
    const sent = await api(
      'ingress',
      'POST',
      '/api/v1/alerts',
      { name, severity: 'warning', summary: `summary ${HOSTILE}`, labels },
      OPERATOR,
    );
    expect(sent.status).toBe(200);
    const fingerprint = sent.body.fingerprint as string;
    await waitFor(async () => (await api('mapper', 'GET', `/api/v1/alerts/${fingerprint}`)).status === 200, {
      message: `${name} in the mapper`,
    });
    return fingerprint;
  };

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    home = mkdtempSync(join(tmpdir(), 'firebreak-cli-e2e-'));
    stack = new Stack({
      apps: APPS.slice(0, 1),
      env: {
        FIREBREAK_API_TOKENS: `${ADMIN}:admin:ada,${OPERATOR}:operator:otto,${VIEWER}:viewer:vera`,
        FIREBREAK_AUTOMATION_ENABLED: 'false',
      },
    });
    // One at a time: five starting at once on a busy machine can outlast each one's readiness wait.
    await stack.start();
    for (const app of APPS.slice(1)) await stack.startService(app);
  }, 300_000);

  afterAll(async () => {
    await stack?.cleanUp();
    if (home) rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('alert query finds a posted alert by matchers, as a clean table and as the API JSON', async () => {
    const fingerprint = await postAlert('CliHighLatency', { service: 'api', team: HOSTILE });
    await postAlert('CliOther', { service: 'web' });

    const table = await cli(['alert', 'query', 'alertname=~"CliHigh.*"', 'severity!=info', 'service=api']);
    expect(table).toMatchObject({ code: 0, stderr: '' });
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^FINGERPRINT\s+ALERTNAME\s+STATUS/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(new RegExp(`^${fingerprint}\\s+CliHighLatency\\s+firing\\s+warning`))]);
    // The label's escape sequences are gone; its text stays.
    for (const control of ['\x1b', '\x07']) expect(table.stdout).not.toContain(control);
    expect(table.stdout).toContain('<b>x</b>');

    const json = await cli(['alert', 'query', 'CliHighLatency', '-o', 'json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { items: Array<{ fingerprint: string; labels: Record<string, string> }> };
    expect(parsed.items.map((alert) => alert.fingerprint)).toEqual([fingerprint]);
    expect(parsed.items[0].labels.team).toBe(HOSTILE);
  });

  it('alert ack acknowledges through the mapper, with the comment as its note', async () => {
    const fingerprint = await postAlert('CliAckMe', { service: 'db' });
    const acked = await cli(['alert', 'ack', fingerprint, '-c', 'looking into it']);
    expect(acked).toMatchObject({ code: 0, stderr: '' });
    expect(acked.stdout).toContain('acknowledged');
    const alert = (await api('mapper', 'GET', `/api/v1/alerts/${fingerprint}`)).body;
    expect(alert).toMatchObject({ status: 'acknowledged', acknowledgement: { by: 'otto', note: 'looking into it' } });
    expect(await cli(['alert', 'resolve', fingerprint, '-c', 'fixed', '-o', 'json'])).toMatchObject({ code: 0, stderr: '' });
    const resolved = (await api('mapper', 'GET', `/api/v1/alerts/${fingerprint}`)).body;
    expect(resolved).toMatchObject({ status: 'resolved', resolution: { by: 'otto', note: 'fixed' } });
  });

  it('silence add, then silence expire $(silence query -q …) in a shell', async () => {
    const added = await cli(['silence', 'add', 'alertname=CliSilenced', 'service=~"api|web"', '-d', '2h', '-c', 'maintenance']);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const id = added.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const silence = (await api('mapper', 'GET', '/api/v1/silences')).body.items.find((s: { id: string }) => s.id === id);
    expect(silence).toMatchObject({ createdBy: 'otto', comment: 'maintenance', state: 'active' });
    expect(Date.parse(silence.endsAt) - Date.now()).toBeGreaterThan(119 * 60_000);

    expect((await cli(['silence', 'query', '-q', 'CliSilenced'])).stdout).toBe(`${id}\n`);
    expect((await cli(['silence', 'query', '-q', 'alertname=NoSuchAlert'])).stdout).toBe('');
    const piped = await shell('$FB silence expire $($FB silence query -q alertname=CliSilenced)');
    expect(piped).toMatchObject({ code: 0, stderr: '' });
    const after = (await api('mapper', 'GET', '/api/v1/silences')).body.items.find((s: { id: string }) => s.id === id);
    expect(after.state).toBe('expired');
  });

  it('silence expire tries every id: a bad one is named on stderr (exit 1), an already expired one counts as done', async () => {
    const ids: string[] = [];
    for (const name of ['CliExpireA', 'CliExpireB'])
      ids.push((await cli(['silence', 'add', `alertname=${name}`, '-c', 'several'])).stdout.trim());
    const missing = '00000000-0000-4000-8000-000000000000';
    const result = await cli(['silence', 'expire', ids[0], '..', missing, ids[1]]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`${ids[0]}\n${ids[1]}\n`);
    const errors = result.stderr.trim().split('\n');
    expect(errors).toEqual([
      expect.stringMatching(/^firebreak: \.\.: "\.\." is not a silence id/),
      expect.stringMatching(new RegExp(`^firebreak: ${missing}: mapper answered 404`)),
      'firebreak: 2 of 4 silences not expired',
    ]);
    const { items } = (await api('mapper', 'GET', '/api/v1/silences?state=expired')).body as { items: Array<{ id: string }> };
    expect(items.map((s) => s.id)).toEqual(expect.arrayContaining(ids));
    // Again: the mapper says 409 (already expired), which is what was asked for.
    expect(await cli(['silence', 'expire', ids[0]])).toMatchObject({ code: 0, stdout: `${ids[0]}\n`, stderr: '' });
  });

  it('runbook run --dry-run starts a dry run that execution show shows', async () => {
    const started = await cli([
      'runbook',
      'run',
      'notify_admin',
      '--dry-run',
      '--context',
      'alert_name=CliDry',
      '--context',
      'alert_labels.job=api',
    ]);
    expect(started).toMatchObject({ code: 0, stderr: '' });
    const id = started.stdout.trim();
    await waitFor(async () => (await api('runbook-executor', 'GET', `/api/v1/executions/${id}`)).body?.status === 'succeeded', {
      message: 'the dry run to finish',
    });
    const shown = await cli(['execution', 'show', id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/mode\s+dry_run/);
    expect(shown.stdout).toMatch(/escalate\s+notify\s+skipped/);
    const json = JSON.parse((await cli(['execution', 'show', id, '-o', 'json'])).stdout);
    expect(json).toMatchObject({
      id,
      runbookId: 'notify_admin',
      mode: 'dry_run',
      requestedBy: 'otto',
      context: { alert_name: 'CliDry', alert_labels: { job: 'api' } },
    });
    expect((await cli(['execution', 'list', '--runbook', 'notify_admin'])).stdout).toContain(id);
  });

  it('approval list and approve let a waiting run go on', async () => {
    expect((await api('runbook-executor', 'PUT', `/api/v1/runbooks/${gated.id}`, gated)).status).toBe(200);
    const id = (await cli(['runbook', 'run', gated.id])).stdout.trim();
    await waitFor(async () => (await api('runbook-executor', 'GET', `/api/v1/executions/${id}`)).body?.status === 'waiting_approval', {
      message: 'the run to wait for approval',
    });
    const pending = JSON.parse((await cli(['approval', 'list', '-o', 'json'])).stdout) as {
      items: Array<{ id: string; executionId: string }>;
    };
    const approval = pending.items.find((item) => item.executionId === id);
    expect(approval).toBeDefined();
    expect((await cli(['approval', 'list'])).stdout).toContain(approval!.id);
    // Not the operator who started it: a person approves another's run.
    const approved = await cli(['approval', 'approve', approval!.id, '-c', 'fine'], { FIREBREAK_TOKEN: ADMIN });
    expect(approved).toMatchObject({ code: 0, stderr: '' });
    expect(approved.stdout).toMatch(/approved\s+ada/);
    await waitFor(async () => (await api('runbook-executor', 'GET', `/api/v1/executions/${id}`)).body?.status === 'succeeded', {
      message: 'the approved run to finish',
    });
  });

  it('approval reject ends a run as rejected; execution cancel stops a waiting one', async () => {
    const [toReject, toCancel] = [
      (await cli(['runbook', 'run', gated.id])).stdout.trim(),
      (await cli(['runbook', 'run', gated.id])).stdout.trim(),
    ];
    for (const id of [toReject, toCancel])
      await waitFor(async () => (await api('runbook-executor', 'GET', `/api/v1/executions/${id}`)).body?.status === 'waiting_approval', {
        message: 'the runs to wait for approval',
      });
    const approval = (await api('runbook-executor', 'GET', `/api/v1/executions/${toReject}`)).body.approvals[0];
    expect(await cli(['approval', 'reject', approval.id, '-c', 'not now'], { FIREBREAK_TOKEN: ADMIN })).toMatchObject({
      code: 0,
      stderr: '',
    });
    expect(await cli(['execution', 'cancel', toCancel, '-c', 'no longer needed'])).toMatchObject({ code: 0, stderr: '' });
    await waitFor(
      async () =>
        (await api('runbook-executor', 'GET', `/api/v1/executions/${toReject}`)).body?.status === 'rejected' &&
        (await api('runbook-executor', 'GET', `/api/v1/executions/${toCancel}`)).body?.status === 'cancelled',
      { message: 'one run rejected, the other cancelled' },
    );
    expect((await cli(['execution', 'cancel', toCancel])).code).toBe(2);
  });

  it('slo status, slo budget and detector list print what the services report', async () => {
    const status = await cli(['slo', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^ID\s+STATUS\s+OBJECTIVE/);
    expect(status.stdout).toMatch(/notification-delivery\s+\S+\s+99\.000%\s+30d/);
    const one = JSON.parse((await cli(['slo', 'budget', 'notification-delivery', '-o', 'json'])).stdout);
    expect(one).toMatchObject({ id: 'notification-delivery', objective: 0.99 });
    expect(await cli(['slo', 'status', 'no-such-slo'])).toMatchObject({
      code: 1,
      stderr: 'firebreak: no SLO no-such-slo (slo status lists them)\n',
    });

    const detectors = await cli(['detector', 'list']);
    expect(detectors.code).toBe(0);
    expect(detectors.stdout).toMatch(/firebreak-mapper-lag\s+nats_consumer_lag/);
    const listed = JSON.parse((await cli(['detector', 'list', '-o', 'json'])).stdout);
    expect(listed.detectors.map((d: { id: string }) => d.id)).toContain('firebreak-mapper-lag');
  });

  it('a viewer token (from the config file) gets the 403 line, a wrong token the 401 line: exit 1, one line, no stack', async () => {
    const config = join(home, 'config.yml');
    writeFileSync(config, `token: ${VIEWER}\n`);
    chmodSync(config, 0o644);
    const refused = await cli(['--config', config, 'silence', 'add', 'alertname=X', '-c', 'no'], { FIREBREAK_TOKEN: '' });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.split('\n')).toEqual([
      expect.stringContaining('is readable by other users'),
      'firebreak: this needs the operator role; the token has viewer',
      '',
    ]);
    const wrong = await cli(['alert', 'query'], { FIREBREAK_TOKEN: 'not-a-known-token' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^firebreak: the token was refused \(FIREBREAK_TOKEN \/ config token\)[^\n]*\n$/);
  });

  it('bad usage exits 2; a stopped service exits 3 naming it and its URL', async () => {
    expect((await cli(['alert', 'bogus'])).code).toBe(2);
    expect((await cli(['silence', 'add', 'a=b'])).code).toBe(2);
    expect((await cli(['-o', 'yaml', 'alert', 'query'])).code).toBe(2);
    const url = stack.url('slo-reporter');
    await stack.stopService('slo-reporter');
    const down = await cli(['slo', 'status'], { FIREBREAK_URL_SLO_REPORTER: url });
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(new RegExp(`^firebreak: cannot reach slo-reporter at ${url} \\([^)]+\\)\\n$`));
  });
});
