import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@firebreak/testing';

// The built module (`npm run build` first), in a small cluster whose workers each count 5 at start,
// observe one histogram sample, report the bus connected, and answer GET /metrics with the summed text.
const CLUSTER_METRICS = join(__dirname, '..', '..', '..', '..', 'dist', 'apps', 'ingress', 'src', 'workers', 'cluster-metrics.js');
const PROM_CLIENT = require.resolve('prom-client');

function script(): string {
  return `const cluster = require('node:cluster');
const http = require('node:http');
const metrics = require(${JSON.stringify(CLUSTER_METRICS)});
if (cluster.isPrimary) {
  metrics.serveClusterMetrics();
  // A replacement holds its boot (IPC up, nothing listening) until it gets SIGUSR2.
  cluster.on('exit', () => cluster.fork({ HOLD_BOOT: '1' }));
  cluster.fork();
  cluster.fork();
} else {
  const boot = () => {
    const { Counter, Gauge, Histogram } = require(${JSON.stringify(PROM_CLIENT)});
    new Counter({ name: 'fixture_started_total', help: 'h' }).inc(5);
    new Histogram({ name: 'fixture_seconds', help: 'h', buckets: [1] }).observe(0.5);
    new Gauge({ name: 'firebreak_bus_connected', help: 'h' }).set(1);
    metrics.joinClusterMetrics();
    http
      .createServer((request, response) =>
        metrics.clusterMetrics().then(
          (text) => response.end(text),
          (error) => response.writeHead(503).end(String(error)),
        ),
      )
      .listen(Number(process.env.PORT), '127.0.0.1', () => metrics.announceReady?.());
  };
  if (process.env.HOLD_BOOT) {
    process.once('SIGUSR2', boot);
    require('node:fs').writeFileSync(require('node:path').join(process.env.DIR, 'holding-' + process.pid), '');
    setInterval(() => undefined, 60_000);
  } else boot();
}
`;
}

function workerPids(primary: number): number[] {
  const text = readFileSync(`/proc/${primary}/task/${primary}/children`, 'utf8').trim();
  return text ? text.split(' ').map(Number) : [];
}

/** The value of one series in a scrape; NaN when absent. */
function value(text: string, series: string): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : Number.NaN;
}

describe('summed /metrics across ingress workers', () => {
  let dir: string;
  let port: number;
  let cluster: ChildProcess;
  const seen: number[] = [];

  /** A scrape on its own connection; records the counter so the test can check it never went down. */
  async function scrape(): Promise<{ status: number; text: string }> {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { connection: 'close' } });
    const text = await response.text();
    const count = value(text, 'fixture_started_total');
    if (response.status === 200 && !Number.isNaN(count)) seen.push(count);
    return { status: response.status, text };
  }

  beforeAll(async () => {
    if (!existsSync(CLUSTER_METRICS)) throw new Error(`${CLUSTER_METRICS} is missing: run \`npm run build\` first`);
    dir = mkdtempSync(join(tmpdir(), 'cluster-metrics-'));
    writeFileSync(join(dir, 'cluster.js'), script());
    port = await freePort();
    cluster = spawn(process.execPath, [join(dir, 'cluster.js')], {
      env: { ...process.env, PORT: String(port), DIR: dir },
      stdio: 'inherit',
    });
    await waitFor(async () => value((await scrape().catch(() => ({ text: '' }))).text, 'fixture_started_total') === 10, {
      timeoutMs: 30_000,
      intervalMs: 100,
      message: 'the two workers did not both report',
    });
  }, 60_000);

  afterAll(async () => {
    if (cluster.exitCode === null && cluster.signalCode === null) {
      const exited = new Promise((resolve) => cluster.once('exit', resolve));
      for (const pid of workerPids(cluster.pid!)) process.kill(pid, 'SIGKILL');
      cluster.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('sums counters and histograms, and reads firebreak_bus_connected 1 when every worker is connected', async () => {
    const { status, text } = await scrape();
    expect(status).toBe(200);
    expect(value(text, 'fixture_started_total')).toBe(10);
    expect(value(text, 'fixture_seconds_count')).toBe(2);
    expect(value(text, 'fixture_seconds_bucket{le="1"}')).toBe(2);
    expect(value(text, 'firebreak_bus_connected')).toBe(1);
  });

  it('keeps a dead worker’s counts, answers while its replacement boots, and adds the replacement once it is ready', async () => {
    const [victim, survivor] = workerPids(cluster.pid!);
    process.kill(victim, 'SIGKILL');
    await waitFor(() => workerPids(cluster.pid!).length === 2 && !workerPids(cluster.pid!).includes(victim), {
      timeoutMs: 30_000,
      message: 'the killed worker was not replaced',
    });
    const booting = workerPids(cluster.pid!).find((pid) => pid !== survivor)!;
    // It has set up its SIGUSR2 handler (the signal's default would end it).
    await waitFor(() => existsSync(join(dir, `holding-${booting}`)), { timeoutMs: 30_000, message: 'the replacement never started' });

    // The replacement is connected to the primary but has not started: scrapes answer without it.
    for (let round = 0; round < 3; round++) {
      const { status, text } = await scrape();
      expect(status).toBe(200);
      expect(value(text, 'fixture_started_total')).toBe(10);
      expect(value(text, 'fixture_seconds_count')).toBe(2);
      expect(value(text, 'firebreak_bus_connected')).toBe(1);
    }

    process.kill(booting, 'SIGUSR2');
    await waitFor(async () => value((await scrape()).text, 'fixture_started_total') === 15, {
      timeoutMs: 30_000,
      intervalMs: 100,
      message: 'the replacement was never summed',
    });
    const { text } = await scrape();
    expect(value(text, 'fixture_seconds_count')).toBe(3);
    expect(value(text, 'firebreak_bus_connected')).toBe(1);
    // Across every scrape of the test, the counter never went down (no reset for Prometheus to see).
    expect(seen.every((count, index) => index === 0 || count >= seen[index - 1])).toBe(true);
  }, 90_000);
});
