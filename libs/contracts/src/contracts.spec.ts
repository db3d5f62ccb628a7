import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlertmanagerWebhookSchema } from './alertmanager';
import { alertsReceivedFromWebhook } from './alertmanager-mapping';
import { deriveEventId } from './event-id';
import { ContractViolation, parseData, parseEvent } from './validation';
import { EVENTS, SUBJECTS } from './catalog';
import { isAtLeast, severityFromLabel } from './severity';
import { prefixedSubject, streamDefinitions, streamForSubject } from './streams';

const fixtureDir = join(__dirname, '../../testing/fixtures/alertmanager');
const fixture = (name: string) => JSON.parse(readFileSync(join(fixtureDir, `${name}.json`), 'utf8'));
const FIXTURES = ['firing-group', 'partially-resolved', 'resolved', 'truncated-max-alerts'];

function envelope(subject: keyof typeof EVENTS, data: unknown) {
  return { specversion: '1.0', id: 'e-1', source: 'firebreak/ingress', type: EVENTS[subject].type, time: '2026-11-22T10:45:04.000Z', data };
}

describe('Alertmanager fixtures', () => {
  it.each(FIXTURES)('%s maps to valid alerts.received events', (name) => {
    const webhook = AlertmanagerWebhookSchema.parse(fixture(name));
    const events = alertsReceivedFromWebhook(webhook, new Date('2026-11-22T10:45:05Z'));
    expect(events).toHaveLength(webhook.alerts.length);
    for (const data of events) {
      expect(() => parseEvent('alerts.received', envelope('alerts.received', data))).not.toThrow();
    }
  });

  it('reads each alert its own status, not the group status', () => {
    const events = alertsReceivedFromWebhook(AlertmanagerWebhookSchema.parse(fixture('partially-resolved')), new Date());
    const statuses = events.map((event) => event.alert.status).sort();
    expect(statuses).toContain('resolved');
    expect(statuses).toContain('firing');
  });

  it('turns the zero endsAt of a firing alert into null and keeps a resolved endsAt', () => {
    const events = alertsReceivedFromWebhook(AlertmanagerWebhookSchema.parse(fixture('partially-resolved')), new Date());
    for (const event of events) {
      if (event.alert.status === 'firing') expect(event.alert.endsAt).toBeNull();
      else expect(event.alert.endsAt).toMatch(/^20\d\d-/);
    }
  });

  it('keeps the fingerprint Alertmanager sent and computes the same one when it is missing', () => {
    const webhook = AlertmanagerWebhookSchema.parse(fixture('firing-group'));
    const sent = alertsReceivedFromWebhook(webhook, new Date()).map((event) => event.alert.fingerprint);
    for (const alert of webhook.alerts) delete alert.fingerprint;
    const computed = alertsReceivedFromWebhook(webhook, new Date()).map((event) => event.alert.fingerprint);
    expect(computed).toEqual(sent);
  });

  it('accepts fields that newer Alertmanager versions add', () => {
    const body = { ...fixture('resolved'), notification_reason: 'resolved', routeLabels: { team: 'sre' } };
    expect(AlertmanagerWebhookSchema.safeParse(body).success).toBe(true);
  });
});

describe('contract validation', () => {
  it('rejects a malformed event and names the field', () => {
    const data = alertsReceivedFromWebhook(AlertmanagerWebhookSchema.parse(fixture('resolved')), new Date())[0];
    const bad = envelope('alerts.received', { ...data, alert: { ...data.alert, fingerprint: 'XYZ' } });
    expect(() => parseEvent('alerts.received', bad)).toThrow(ContractViolation);
    expect(() => parseEvent('alerts.received', bad)).toThrow(/data\.alert\.fingerprint: must be 16 lowercase hex digits/);
  });

  it('rejects an event id with a lone surrogate: Postgres would store another id than the one claimed', () => {
    const data = alertsReceivedFromWebhook(AlertmanagerWebhookSchema.parse(fixture('resolved')), new Date())[0];
    const event = envelope('alerts.received', data);
    expect(() => parseEvent('alerts.received', { ...event, id: 'evt-\uD800' })).toThrow(/id: must be well-formed/);
    expect(() => parseEvent('alerts.received', { ...event, id: 'evt-🔥' })).not.toThrow();
  });

  it('rejects an envelope of the wrong type', () => {
    const data = alertsReceivedFromWebhook(AlertmanagerWebhookSchema.parse(fixture('resolved')), new Date())[0];
    expect(() => parseEvent('alerts.notify', envelope('alerts.received', data))).toThrow(/type:/);
  });

  it('rejects event data with a missing field before it is published', () => {
    expect(() => parseData('runbooks.requested', { runbookId: 'x', mode: 'live', trigger: 'manual', context: {} })).toThrow(
      /data\.requestId/,
    );
  });

  it('names the field of a webhook that is not version 4', () => {
    const result = AlertmanagerWebhookSchema.safeParse({ ...fixture('resolved'), version: '3' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(['version']);
  });

  it('gives every subject a versioned type under the firebreak namespace', () => {
    for (const subject of SUBJECTS) expect(EVENTS[subject].type).toBe(`firebreak.${subject}.v1`);
  });
});

describe('severity', () => {
  it.each([
    ['critical', 'critical'],
    ['page', 'critical'],
    ['P1', 'critical'],
    ['high', 'error'],
    ['error', 'error'],
    ['warn', 'warning'],
    ['warning', 'warning'],
    ['info', 'info'],
    ['none', 'info'],
    [undefined, 'warning'],
    ['bogus', 'warning'],
  ] as const)('reads %s as %s', (label, severity) => {
    expect(severityFromLabel(label)).toBe(severity);
  });

  it('orders info < warning < error < critical', () => {
    expect(isAtLeast('critical', 'warning')).toBe(true);
    expect(isAtLeast('info', 'warning')).toBe(false);
    expect(isAtLeast('error', 'error')).toBe(true);
  });
});

describe('event ids and streams', () => {
  it('derives the same id from the same inputs and a different one otherwise', () => {
    expect(deriveEventId('a', 1, null)).toBe(deriveEventId('a', 1, null));
    expect(deriveEventId('a', 1, null)).not.toBe(deriveEventId('a', 1, ''));
    expect(deriveEventId('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  // Pinned: ids are dedup keys in JetStream's window and in every inbox, so a release that derived them
  // differently would take an upgrade's redeliveries for new events.
  it.each([
    [['alert', 'c31c0de7aef66959', '2026-12-07T00:00:00.000Z'], 'c6d947c4-f571-84ce-a2ef-40ea995e7575'],
    [[], 'e3b0c442-98fc-8c14-9afb-f4c8996fb924'],
    [[null, undefined, 0, 'x'], '76045e83-ff5c-8131-8e96-11dd715343e6'],
    [['unicode 🔥 \u0000 \u001f', 42], '489736df-6465-8f74-8f23-739a6380a9d5'],
  ])('derives the same event id as every earlier release from %j', (parts, id) => {
    expect(deriveEventId(...parts)).toBe(id);
  });

  it('puts every subject in exactly one stream, prefixed when an installation prefix is set', () => {
    const streams = streamDefinitions({ subjectPrefix: 'acme', replicas: 3 });
    for (const subject of SUBJECTS) {
      const owners = streams.filter((stream) => stream.subjects[0] === prefixedSubject(`${subject.split('.')[0]}.>`, 'acme'));
      expect(owners.map((stream) => stream.name)).toEqual([streamForSubject(subject, 'acme')]);
    }
    expect(streams.every((stream) => stream.replicas === 3 && stream.duplicateWindowMs <= stream.maxAgeMs)).toBe(true);
  });
});
