import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';

/** Worker → primary: "send me the metrics of every worker, summed"; the primary answers with the text. */
export const CLUSTER_METRICS_REQUEST = 'firebreak:cluster-metrics-request';
export const CLUSTER_METRICS_REPLY = 'firebreak:cluster-metrics-reply';

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

const isRequest = (message: unknown): message is MetricsRequest => (message as MetricsRequest | null)?.type === CLUSTER_METRICS_REQUEST;
const isReply = (message: unknown): message is MetricsReply => (message as MetricsReply | null)?.type === CLUSTER_METRICS_REPLY;

/**
 * In the primary: answers any worker's scrape with every worker's metrics summed (prom-client's
 * cluster aggregation), so whichever worker Prometheus reaches on the shared port, it sees the whole
 * ingress and counters never jump between workers.
 */
export function serveClusterMetrics(): void {
  const registry = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isRequest(message)) return;
    registry.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: CLUSTER_METRICS_REPLY, id: message.id, text } satisfies MetricsReply),
      (error: unknown) =>
        worker.isConnected() && worker.send({ type: CLUSTER_METRICS_REPLY, id: message.id, error: String(error) } satisfies MetricsReply),
    );
  });
}

let nextId = 0;
const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
let listening = false;

/**
 * In a worker, first thing: answers the primary's "send me your metrics" (prom-client's listener) and
 * takes the primary's aggregated answers. A worker that never listened would stall every scrape.
 */
export function joinClusterMetrics(): void {
  if (listening) return;
  listening = true;
  new AggregatorRegistry();
  process.on('message', (message: unknown) => {
    if (!isReply(message)) return;
    const entry = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.text !== undefined) entry?.resolve(message.text);
    else entry?.reject(new Error(`the primary could not aggregate the metrics: ${message.error}`));
  });
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
