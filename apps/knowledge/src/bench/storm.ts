import { DataOf } from '@firebreak/contracts';

/** What the bench publishes: per new alert, its `alerts.notify` (firing) and/or its `alerts.state.changed` (→ firing). */
export type StormWorkload = 'notify' | 'state' | 'both';

export interface StormEvent {
  subject: 'alerts.notify' | 'alerts.state.changed';
  id: string;
  data: DataOf<'alerts.notify'> | DataOf<'alerts.state.changed'>;
}

/** The alertnames of the storm: thousands of new alerts of a few names, each on its own instance. */
export const STORM_ALERTNAMES = ['KubePodCrashLooping', 'HighErrorRate', 'NodeDiskPressure', 'TargetDown'];

/**
 * A storm of `alerts` new episodes; `run` (hex) keeps event ids, fingerprints and instances apart between runs on one
 * installation (a run must not find the previous run's searches cached).
 */
export function stormEvents(workload: StormWorkload, alerts: number, run: string, now: number): StormEvent[] {
  const out: StormEvent[] = [];
  const startsAt = new Date(now).toISOString();
  for (let i = 0; i < alerts; i++) {
    const alertname = STORM_ALERTNAMES[i % STORM_ALERTNAMES.length];
    const fingerprint = `${run}${i.toString(16).padStart(8, '0')}`.slice(-16).padStart(16, '0');
    const labels = {
      alertname,
      severity: 'critical',
      namespace: 'shop',
      job: 'api',
      instance: `10.${parseInt(run, 16) & 255}.${i >> 8}.${i & 255}:9100`,
    };
    if (workload !== 'state')
      out.push({
        subject: 'alerts.notify',
        id: `${run}-notify-${i}`,
        data: {
          kind: 'firing',
          receivedAt: startsAt,
          occurrences: 1,
          alert: {
            fingerprint,
            status: 'firing',
            labels,
            annotations: { summary: `${alertname} on ${labels.instance}`, description: 'The service misbehaves on this instance.' },
            severity: 'critical',
            startsAt,
            endsAt: null,
            generatorURL: '',
          },
        },
      });
    if (workload !== 'notify')
      out.push({
        subject: 'alerts.state.changed',
        id: `${run}-state-${i}`,
        data: { fingerprint, alertname, severity: 'critical', from: null, to: 'firing', at: startsAt },
      });
  }
  return out;
}
