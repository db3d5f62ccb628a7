import { STACK_SERVICES } from '@firebreak/contracts';
import { App } from '../stack';
import { ingressLoad } from './ingest';
import { BenchPipeline } from './pipeline';
import { treeRssMb } from './proc';
import { Row } from './report';

/** After the last service (the console) is ready: each service measured after some of its start-up collections (releaseStartupGarbage: 5, 10, 15, 30, 60 s after listen), the console after its first. */
const IDLE_SEC = 10;

/** Every service `npm start` runs, the console last: it forwards to the others. */
export const WHOLE_STACK: readonly App[] = STACK_SERVICES;

/** The whole stack as `npm start` runs it, its notifier delivering to a local webhook. */
export async function startWholeStack(): Promise<BenchPipeline> {
  const pipeline = new BenchPipeline(WHOLE_STACK);
  await pipeline.start();
  return pipeline;
}

export function rssByService(pipeline: BenchPipeline): Array<{ app: string; mb: number }> {
  return [...pipeline.stack!.services.values()].map((service) => ({ app: service.app, mb: treeRssMb(service.process.pid!) }));
}

/** Each service's resident memory after the started stack sat idle for 10 s, and the total. */
export async function idleRssRows(pipeline: BenchPipeline): Promise<Row[]> {
  await new Promise((resolve) => setTimeout(resolve, IDLE_SEC * 1000));
  const rss = rssByService(pipeline);
  const rows: Row[] = rss.map(({ app, mb }) => ({ id: `rss-${app}`, name: `idle RSS: ${app}`, value: mb, unit: 'MB' }));
  rows.push({
    id: 'rss-total',
    name: 'idle RSS: whole stack',
    value: rss.reduce((sum, { mb }) => sum + mb, 0),
    unit: 'MB',
    note: `${rss.length} services, ${IDLE_SEC} s idle after all were ready; VmRSS of each process and its children`,
  });
  return rows;
}

/** The ingress under the same load as alone, while the mapper and notifier of the stack consume what it takes. */
export async function ingressWithStackRow(pipeline: BenchPipeline, durationSec: number): Promise<Row> {
  const deliveredBefore = pipeline.receiver.requests;
  const result = await ingressLoad(pipeline.stack!.url('ingress'), durationSec);
  const deliveredPerSec = Math.round((pipeline.receiver.requests - deliveredBefore) / durationSec);
  return {
    id: 'ingress-stack',
    name: 'Firebreak ingress, whole stack running',
    value: result.itemsPerSec,
    unit: 'alerts/s',
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    note: `${result.non2xx} non-2xx, ${result.errors} errors; meanwhile the notifier delivered ${deliveredPerSec} alerts/s`,
    versus: 'alertmanager',
  };
}
