import cluster, { Worker } from 'node:cluster';
import { AggregatorRegistry, register } from 'prom-client';
import { MetricSnapshot, retire, withClusterAggregators } from './metric-snapshots';

/** Worker → primary: "send me the metrics of every worker, summed"; the primary answers with the text. */
export const CLUSTER_METRICS_REQUEST = 'firebreak:cluster-metrics-request';
export const CLUSTER_METRICS_REPLY = 'firebreak:cluster-metrics-reply';
/** Worker → primary, once it listens: from then on the primary asks it for its metrics. */
export const WORKER_READY = 'firebreak:worker-ready';
/** Primary → worker: "your metrics"; the worker answers with its registry as JSON. */
const SNAPSHOT_REQUEST = 'firebreak:metrics-snapshot-request';
const SNAPSHOT_REPLY = 'firebreak:metrics-snapshot-reply';

// How long a scrape waits for the workers' answers; a worker slower than this counts with its last
// answer, so a scrape never hangs on one busy worker (Prometheus's own timeout is 10 s by default).
const SNAPSHOT_TIMEOUT_MS = 1000;

interface MetricsRequest {
  type: typeof CLUSTER_METRICS_REQUEST;
  id: number;
}
interface MetricsReply {
  type: typeof CLUSTER_METRICS_REPLY;
  id: number;
  text?: string;
  error?: string;
}
interface SnapshotRequest {
  type: typeof SNAPSHOT_REQUEST;
  id: number;
}
interface SnapshotReply {
  type: typeof SNAPSHOT_REPLY;
  id: number;
  metrics?: MetricSnapshot;
}

const typed =
  <T extends { type: string }>(type: T['type']) =>
  (message: unknown): message is T =>
    (message as T | null)?.type === type;
const isRequest = typed<MetricsRequest>(CLUSTER_METRICS_REQUEST);
const isReply = typed<MetricsReply>(CLUSTER_METRICS_REPLY);
const isReady = typed<{ type: typeof WORKER_READY }>(WORKER_READY);
const isSnapshotRequest = typed<SnapshotRequest>(SNAPSHOT_REQUEST);
const isSnapshotReply = typed<SnapshotReply>(SNAPSHOT_REPLY);

/**
 * In the primary: answers any worker's scrape with every worker's metrics summed, so whichever worker
 * Prometheus reaches on the shared port, it sees the whole ingress. Asks only workers that said they
 * are ready (a booting one has no listener yet), waits a short while, and answers with what it has:
 * each live worker's latest answer, plus the counters of every worker that died (kept as a base, so a
 * restart never looks like a counter reset).
 */
export function serveClusterMetrics(): void {
  const latest = new Map<Worker, MetricSnapshot | undefined>();
  let retired: MetricSnapshot = [];
  const waits = new Map<number, (worker: Worker) => void>();
  let nextId = 0;

  const collect = (workers: Worker[]) =>
    new Promise<void>((resolve) => {
      const id = nextId++;
      const pending = new Set<Worker>();
      const finish = () => {
        clearTimeout(timer);
        waits.delete(id);
        resolve();
      };
      const timer = setTimeout(finish, SNAPSHOT_TIMEOUT_MS);
      for (const worker of workers) {
        if (!worker.isConnected()) continue;
        worker.send({ type: SNAPSHOT_REQUEST, id } satisfies SnapshotRequest);
        pending.add(worker);
      }
      if (pending.size === 0) return finish();
      waits.set(id, (worker) => pending.delete(worker) && pending.size === 0 && finish());
    });

  const answer = async (asker: Worker, id: number) => {
    // The asker serves HTTP, so it is up even if its "ready" has not arrived yet.
    if (!latest.has(asker)) latest.set(asker, undefined);
    await collect([...latest.keys()]);
    const snapshots = [retired, ...latest.values()].filter((snapshot): snapshot is MetricSnapshot => snapshot !== undefined);
    const text = await AggregatorRegistry.aggregate(snapshots).metrics();
    if (asker.isConnected()) asker.send({ type: CLUSTER_METRICS_REPLY, id, text } satisfies MetricsReply);
  };

  cluster.on('message', (worker, message: unknown) => {
    if (isReady(message)) {
      if (!latest.has(worker)) latest.set(worker, undefined);
    } else if (isSnapshotReply(message)) {
      // A worker that died meanwhile is in the base already: its late answer would count it twice.
      if (message.metrics && latest.has(worker)) latest.set(worker, withClusterAggregators(message.metrics));
      waits.get(message.id)?.(worker);
    } else if (isRequest(message)) {
      answer(worker, message.id).catch((error: unknown) => {
        if (worker.isConnected()) worker.send({ type: CLUSTER_METRICS_REPLY, id: message.id, error: String(error) } satisfies MetricsReply);
      });
    }
  });
  cluster.on('exit', (worker) => {
    const last = latest.get(worker);
    latest.delete(worker);
    // What it counted after its last answer is lost with it; what it had answered stays in the sum.
    if (last) retired = retire(retired, last);
  });
}

let nextId = 0;
const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
let listening = false;

/**
 * In a worker, first thing: answers the primary's "send me your metrics" and takes the primary's
 * aggregated answers. The primary asks only once the worker has announced it is ready.
 */
export function joinClusterMetrics(): void {
  if (listening) return;
  listening = true;
  process.on('message', (message: unknown) => {
    if (isSnapshotRequest(message)) {
      // No metrics on a failure: the primary keeps this worker's previous answer.
      const reply = (metrics?: MetricSnapshot) =>
        process.connected && process.send!({ type: SNAPSHOT_REPLY, id: message.id, metrics } satisfies SnapshotReply);
      register.getMetricsAsJSON().then(reply, () => reply());
      return;
    }
    if (!isReply(message)) return;
    const entry = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.text !== undefined) entry?.resolve(message.text);
    else entry?.reject(new Error(`the primary could not aggregate the metrics: ${message.error}`));
  });
}

/** In a worker, once it listens: the primary includes it in the summed metrics from now on. */
export function announceReady(): void {
  joinClusterMetrics();
  process.send?.({ type: WORKER_READY });
}

/** In a worker: the whole cluster's metrics, from the primary. */
export function clusterMetrics(): Promise<string> {
  joinClusterMetrics();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    process.send!({ type: CLUSTER_METRICS_REQUEST, id } satisfies MetricsRequest);
  });
}
