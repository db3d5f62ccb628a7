import { AlertInput } from '../testing/mapper-harness';

export type Workload = 'new' | 'mix';

const RESEND_ROUNDS = 4;

/**
 * The events of a workload and the alerts.notify they must produce.
 * `new`: every event a new firing alert of a mapped alertname (announcement, state change, runbook request).
 * `mix`: a quarter as many alerts, each fired, sent again twice inside the dedup window and resolved,
 * in rounds (so one batch holds many alerts, and each alert's events follow each other closely):
 * per alert a `firing` and a `resolved` announcement.
 */
export function workloadEvents(workload: Workload, events: number, run: string, now: number): { inputs: AlertInput[]; notifies: number } {
  const startsAt = new Date(now - 60_000);
  const labels = (index: number) => ({ alertname: 'BenchDown', instance: `${run}-${index}`, severity: 'critical', team: 'bench' });
  if (workload === 'new')
    return {
      inputs: Array.from({ length: events }, (_, index) => ({ labels: labels(index), startsAt, receivedAt: new Date(now) })),
      notifies: events,
    };
  const alerts = Math.max(1, Math.floor(events / RESEND_ROUNDS));
  const inputs: AlertInput[] = [];
  for (let round = 0; round < RESEND_ROUNDS; round++) {
    const receivedAt = new Date(now + round);
    const resolved = round === RESEND_ROUNDS - 1;
    for (let index = 0; index < alerts; index++)
      inputs.push({
        labels: labels(index),
        startsAt,
        receivedAt,
        ...(resolved ? { status: 'resolved' as const, endsAt: receivedAt } : {}),
      });
  }
  return { inputs, notifies: alerts * 2 };
}
