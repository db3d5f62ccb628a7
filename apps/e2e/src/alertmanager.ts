import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@firebreak/testing';

export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/** A real Alertmanager (Debian's prometheus-alertmanager) whose one receiver is Firebreak's ingress. */
export class Alertmanager {
  url = '';
  private child?: ChildProcess;
  private readonly output: string[] = [];

  constructor(
    private readonly webhookUrl: string,
    private readonly bearerToken: string,
    private readonly timing = { groupWait: '1s', groupInterval: '2s', repeatInterval: '1h' },
  ) {}

  async start(): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-am-'));
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      [
        'route:',
        '  receiver: firebreak',
        '  group_by: [alertname, service]',
        `  group_wait: ${this.timing.groupWait}`,
        `  group_interval: ${this.timing.groupInterval}`,
        `  repeat_interval: ${this.timing.repeatInterval}`,
        'receivers:',
        '  - name: firebreak',
        '    webhook_configs:',
        `      - url: ${this.webhookUrl}`,
        '        send_resolved: true',
        '        http_config:',
        '          authorization:',
        `            credentials: ${this.bearerToken}`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.child = spawn(
      ALERTMANAGER_BIN,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${dir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    await waitFor(async () => (await fetch(`${this.url}/-/ready`).catch(() => undefined))?.status === 200, {
      timeoutMs: 20_000,
      message: () => `Alertmanager not ready: ${this.output.join('')}`,
    });
  }

  async post(alerts: PostableAlert[]): Promise<void> {
    const response = await fetch(`${this.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    if (response.status !== 200) throw new Error(`Alertmanager refused the alerts: ${response.status} ${await response.text()}`);
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child!.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
