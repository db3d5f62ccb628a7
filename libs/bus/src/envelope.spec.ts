import { ContractViolation, DataOf, Subject } from '@firebreak/contracts';
import { createEvent, trustedEvent } from './envelope';

const alert = {
  fingerprint: '0123456789abcdef',
  status: 'firing' as const,
  labels: { alertname: 'DiskFull', instance: 'db-1' },
  annotations: { summary: 'disk 95% full' },
  severity: 'critical' as const,
  startsAt: '2026-12-07T04:00:00.000Z',
  endsAt: null,
  generatorURL: 'http://prometheus/graph',
};

/** Data of the subjects the services stage trusted, shaped as their call sites build it. */
const trusted: Array<{ [S in Subject]: [S, DataOf<S>] }[Subject]> = [
  ['alerts.notify', { kind: 'firing', alert, receivedAt: '2026-12-07T04:00:00.100Z', occurrences: 1, runbook: { id: 'disk-cleanup' } }],
  [
    'alerts.state.changed',
    {
      fingerprint: alert.fingerprint,
      alertname: 'DiskFull',
      severity: 'critical',
      from: null,
      to: 'firing',
      at: '2026-12-07T04:00:00.100Z',
    },
  ],
  [
    'runbooks.requested',
    {
      requestId: 'req-1',
      runbookId: 'disk-cleanup',
      mode: 'live',
      trigger: 'alert',
      selectedBy: 'file_alertname',
      fingerprint: alert.fingerprint,
      context: { alert_name: 'DiskFull', alert_labels: alert.labels, instance: 'db-1', fingerprint: alert.fingerprint },
      params: {},
    },
  ],
  [
    'runbooks.execution.step',
    {
      executionId: 'ex-1',
      runbookId: 'disk-cleanup',
      stepId: 'clean',
      attempt: 1,
      status: 'succeeded',
      startedAt: '2026-12-07T04:00:01.000Z',
      finishedAt: '2026-12-07T04:00:01.200Z',
      outputExcerpt: 'freed 12 GB',
      rollback: false,
    },
  ],
  [
    'notifications.delivered',
    {
      deliveryId: 'd-1',
      announcementId: 'notify-1',
      channel: 'ops',
      channelType: 'webhook',
      target: 'https://hooks.example/ops',
      fingerprint: alert.fingerprint,
      kind: 'firing',
      severity: 'critical',
      attempts: 1,
      deliveredAt: '2026-12-07T04:00:00.300Z',
      latencyMs: 200,
    },
  ],
];

const options = { id: 'event-1', subject: alert.fingerprint, time: '2026-12-07T04:00:00.100Z' };

describe('trustedEvent: the envelope without validating data again', () => {
  it.each(trusted)('builds the same %s envelope as createEvent, to the byte once encoded', (subject, data) => {
    const validated = createEvent('mapper', subject, data as never, options);
    const built = trustedEvent('mapper', subject, data as never, options);
    expect(built).toStrictEqual(validated);
    expect(JSON.stringify(built)).toBe(JSON.stringify(validated));
  });

  it('takes a Date or its ISO string for the time, as createEvent does', () => {
    const [subject, data] = trusted[1];
    const at = new Date(options.time);
    expect(trustedEvent('mapper', subject, data, { ...options, time: at })).toStrictEqual(createEvent('mapper', subject, data, options));
  });

  it('still refuses a subject outside the catalogue and data that is no object, before building anything', () => {
    expect(() => trustedEvent('mapper', 'alerts.nope' as Subject, {} as never)).toThrow(ContractViolation);
    expect(() => trustedEvent('mapper', 'alerts.notify', null as never)).toThrow(/data: must be an object/);
    expect(() => trustedEvent('mapper', 'alerts.notify', [] as never)).toThrow(/data: must be an object/);
  });

  // Under jest the data is validated anyway, so the services' own suites catch a call site that trusts what its
  // contract would refuse or change: published trusted, such data would differ from what the contract promises.
  it('under jest, refuses trusted data its contract would refuse, strip or fill in', () => {
    const [subject, data] = trusted[1];
    expect(() => trustedEvent('mapper', subject, { ...data, fingerprint: 'not-hex' })).toThrow(ContractViolation);
    expect(() => trustedEvent('mapper', subject, { ...data, internal: 1 } as never)).toThrow(/differs from what its contract makes of it/);
    const { params: _params, ...withoutParams } = trusted[2][1] as DataOf<'runbooks.requested'>;
    expect(() => trustedEvent('mapper', 'runbooks.requested', withoutParams as never)).toThrow(
      /differs from what its contract makes of it/,
    );
  });
});
