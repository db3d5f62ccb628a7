import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from './infra';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';
const run = promisify(execFile);

/** Debian's Prometheus on a free port with a temporary TSDB, optionally backfilled with promtool first. */
export class TestPrometheus {
  readonly dir = mkdtempSync(join(tmpdir(), 'test-prometheus-'));
  url = '';
  private child?: ChildProcess;
  private output = '';

  /** Writes an OpenMetrics text (timestamps in seconds, ending with `# EOF`) into blocks of the TSDB. */
  async backfill(openMetrics: string): Promise<void> {
    const file = join(this.dir, 'history.om');
    writeFileSync(file, openMetrics);
    // --max-block-duration (hidden in promtool 2.42's --help, but accepted): without it promtool cuts 2-hour
    // blocks, 361 for 30 days, which take most of the test's time to write and to open.
    await run(
      PROMTOOL_BIN,
      ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', '--max-block-duration=768h', file, join(this.dir, 'data')],
      {
        maxBuffer: 16 << 20,
      },
    );
  }

  async start(scrapeTarget?: string): Promise<void> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    const scrape = scrapeTarget
      ? `scrape_configs:\n  - job_name: target\n    scrape_interval: 1s\n    static_configs: [{ targets: ['${scrapeTarget}'] }]\n`
      : 'scrape_configs: []\n';
    writeFileSync(join(this.dir, 'prometheus.yml'), `global: { scrape_interval: 1s, evaluation_interval: 1s }\n${scrape}`);
    this.child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        // Backfilled history is older than the default 15 days of retention.
        '--storage.tsdb.retention.time=90d',
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    await waitFor(async () => (await fetch(`${this.url}/-/ready`).catch(() => null))?.ok === true, {
      timeoutMs: 30_000,
      message: () => `Prometheus ready at ${this.url}; output: ${this.output.slice(-2000)}`,
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `promtool check rules`; resolves with its output, rejects with it when the rules are refused. */
export async function checkRules(text: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'test-rules-'));
  const file = join(dir, 'rules.yml');
  writeFileSync(file, text);
  try {
    const { stdout } = await run(PROMTOOL_BIN, ['check', 'rules', file]);
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool check rules refused:\n${stdout ?? ''}${stderr ?? ''}\n${text}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
