import { ALERT_COLUMNS, AlertPatch, AlertRecord, withPatch } from './alert-record';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

// Every field its own value (no two dates alike, no nulls), so reading one field for another shows.
const RECORD: AlertRecord = {
  fingerprint: 'fp-1',
  alertname: 'DiskFull',
  severity: 'critical',
  status: 'firing',
  source: 'alertmanager',
  labels: { alertname: 'DiskFull' },
  annotations: { summary: 'full' },
  generatorURL: 'http://prom/1',
  startsAt: at(100),
  endsAt: at(101),
  eventAt: at(102),
  eventReceivedAt: at(103),
  firstSeen: at(104),
  lastSeen: at(105),
  occurrences: 1,
  lastAnnouncedAt: at(106),
  silenceId: '00000000-0000-0000-0000-000000000009',
  acknowledgedBy: 'carl',
  acknowledgedAt: at(107),
  acknowledgeNote: 'earlier note',
  resolvedBy: 'dora',
  resolvedAt: at(108),
  resolveNote: 'earlier fix',
  escalatedAt: at(109),
  runbook: { id: 'old_runbook', requestId: 'r0', source: 'file_alertname', status: 'requested', at: at(110).toISOString() },
  stampedAt: at(111),
  updatedAt: at(112),
};

/** A patch changing every field a patch may change, each to a value unlike the record's. */
const EVERYTHING: Required<AlertPatch> = {
  alertname: 'DiskAlmostFull',
  severity: 'warning',
  status: 'resolved',
  source: 'detector',
  labels: { alertname: 'DiskAlmostFull' },
  annotations: {},
  generatorURL: '',
  startsAt: at(1),
  endsAt: at(2),
  eventAt: at(3),
  eventReceivedAt: at(4),
  firstSeen: at(5),
  lastSeen: at(6),
  occurrences: 7,
  lastAnnouncedAt: null,
  silenceId: '00000000-0000-0000-0000-000000000001',
  acknowledgedBy: 'ann',
  acknowledgedAt: at(8),
  acknowledgeNote: 'looking',
  resolvedBy: 'bob',
  resolvedAt: at(9),
  resolveNote: 'fixed',
  escalatedAt: at(10),
  runbook: { id: 'disk_cleanup', requestId: 'r1', source: 'file_alertname', status: 'requested', at: at(11).toISOString() },
  stampedAt: at(12),
};

// withPatch spells out every field (a spread of records this size was most of a decision's CPU):
// these hold it to what `{ ...record, ...patch }` gives, so a field it forgets or mixes up fails here.
describe('withPatch', () => {
  it('takes every field the patch sets, to null as well', () => {
    expect(withPatch(RECORD, EVERYTHING)).toStrictEqual({ ...RECORD, ...EVERYTHING });
  });

  it('keeps every field the patch leaves unset or undefined', () => {
    expect(withPatch(RECORD, {})).toStrictEqual(RECORD);
    const undefinedEverywhere = Object.fromEntries(Object.keys(EVERYTHING).map((field) => [field, undefined])) as AlertPatch;
    expect(withPatch(RECORD, undefinedEverywhere)).toStrictEqual(RECORD);
  });

  it('changes one field alone, whichever it is', () => {
    for (const field of Object.keys(EVERYTHING) as Array<keyof AlertPatch>) {
      const patch = { [field]: EVERYTHING[field] } as AlertPatch;
      expect(withPatch(RECORD, patch)).toStrictEqual({ ...RECORD, ...patch });
    }
  });

  it('returns every column of a row, so a write of the result drops none', () => {
    expect(Object.keys(withPatch(RECORD, {})).sort()).toEqual(Object.keys(ALERT_COLUMNS).sort());
  });
});
