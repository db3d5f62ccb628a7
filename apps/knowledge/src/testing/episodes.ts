import { BusProbe } from './knowledge-harness';

/** A fingerprint numbered n (16 characters, as the contract wants). */
export const fp = (n: number) => `${n}`.padStart(16, 'a');
export const iso = (ms: number) => new Date(ms).toISOString();

/** One alert episode as the mapper and executor announce it: fired, a runbook requested, its outcome, resolved. */
export async function publishEpisode(
  bus: BusProbe,
  n: number,
  options: {
    alertname: string;
    runbookId: string;
    outcome: 'succeeded' | 'failed';
    labels?: Record<string, string>;
    resolveFirst?: boolean;
  },
) {
  const now = Date.now();
  const fingerprint = fp(n);
  const labels = { alertname: options.alertname, job: 'api', instance: `10.0.0.${n}:9100`, ...options.labels };
  const base = { fingerprint, alertname: options.alertname, severity: 'critical' as const };
  const firedAt = now - 60_000;
  await bus.publish('alerts.state.changed', { ...base, from: null, to: 'firing', at: iso(firedAt) }, `fire-${n}`);
  const requested = await bus.publish(
    'runbooks.requested',
    {
      requestId: `req-${n}`,
      runbookId: options.runbookId,
      mode: 'live',
      trigger: 'alert',
      fingerprint,
      context: {
        alert_name: options.alertname,
        alert_labels: labels,
        alert_annotations: { summary: `5xx ratio [high](javascript:x) on ${labels.job}` },
        severity: 'critical',
        fingerprint,
      },
      params: {},
    },
    `req-${n}`,
  );
  const resolve = () =>
    bus.publish('alerts.state.changed', { ...base, from: 'firing', to: 'resolved', at: iso(now + 60_000) }, `resolve-${n}`);
  if (options.resolveFirst) await resolve();
  const ref = { executionId: `exec-${n}`, requestId: `req-${n}`, runbookId: options.runbookId, mode: 'live' as const, fingerprint };
  if (options.outcome === 'succeeded')
    await bus.publish(
      'runbooks.execution.succeeded',
      { ...ref, startedAt: iso(now - 50_000), finishedAt: iso(now - 20_000), durationMs: 30_000 },
      `done-${n}`,
    );
  else
    await bus.publish(
      'runbooks.execution.failed',
      {
        ...ref,
        status: 'failed',
        reason: 'step open_breaker failed',
        startedAt: iso(now - 50_000),
        finishedAt: iso(now - 20_000),
        escalate: true,
      },
      `done-${n}`,
    );
  if (!options.resolveFirst) await resolve();
  return { fingerprint, firedAt, requested };
}

/**
 * One episode at chosen times (ms from t0): fired, a run requested, started, finished (succeeded), resolved;
 * published in the order given.
 */
export async function publishTimedEpisode(
  bus: BusProbe,
  n: number,
  alertname: string,
  t0: number,
  at: { fired: number; requested: number; started: number; finished: number; resolved: number },
  order: Array<'fire' | 'request' | 'done' | 'resolve'> = ['fire', 'request', 'done', 'resolve'],
) {
  const fingerprint = fp(n);
  const base = { fingerprint, alertname, severity: 'critical' as const };
  const ref = { executionId: `exec-${n}`, requestId: `req-${n}`, runbookId: 'high_error_rate', mode: 'live' as const, fingerprint };
  const events: Record<string, () => Promise<unknown>> = {
    fire: () => bus.publish('alerts.state.changed', { ...base, from: null, to: 'firing', at: iso(t0 + at.fired) }, `fire-${n}`),
    request: () =>
      bus.publish(
        'runbooks.requested',
        {
          requestId: `req-${n}`,
          runbookId: 'high_error_rate',
          mode: 'live',
          trigger: 'alert',
          fingerprint,
          context: { alert_name: alertname, alert_labels: { alertname, job: 'api' }, severity: 'critical', fingerprint },
          params: {},
        },
        `req-${n}`,
        new Date(t0 + at.requested),
      ),
    done: () =>
      bus.publish(
        'runbooks.execution.succeeded',
        { ...ref, startedAt: iso(t0 + at.started), finishedAt: iso(t0 + at.finished), durationMs: at.finished - at.started },
        `done-${n}`,
      ),
    resolve: () =>
      bus.publish('alerts.state.changed', { ...base, from: 'firing', to: 'resolved', at: iso(t0 + at.resolved) }, `resolve-${n}`),
  };
  for (const step of order) await events[step]();
  return fingerprint;
}
/** Fired, a run requested 10 s later, running 30 s, resolved a minute after firing. */
export const NORMAL = { fired: 0, requested: 10_000, started: 15_000, finished: 45_000, resolved: 60_000 };
