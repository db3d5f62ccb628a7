import { AlertmanagerWebhook, AlertmanagerWebhookSchema, alertsReceivedFromWebhook, AlertReceivedSchema } from '@firebreak/contracts';
import { alertmanagerFixture } from '@firebreak/testing';
import { meetsAlertReceivedContract, parseWebhook } from './webhook-validator';

const FIXTURES = ['firing-group', 'partially-resolved', 'resolved', 'truncated-max-alerts'] as const;

// Values chosen to sit on each rule's edge: lengths, types, times, enums, hex.
const HOSTILE: unknown[] = [
  undefined,
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  '',
  'x',
  '4',
  4,
  'firing',
  'resolved',
  'FIRING',
  'x'.repeat(64),
  'x'.repeat(65),
  'x'.repeat(1024),
  'x'.repeat(1025),
  'x'.repeat(8192),
  'x'.repeat(8193),
  'x'.repeat(65_536),
  'x'.repeat(65_537),
  '😀'.repeat(32_768),
  '😀'.repeat(32_769),
  '😀'.repeat(4097),
  '2024-12-09T10:00:00Z',
  '0001-01-01T00:00:00Z',
  '+010000-01-01T00:00:00Z',
  // Four-digit years whose UTC falls outside 0000–9999 (the contract takes them; alerts.received cannot).
  '9999-12-31T23:59:59-01:00',
  '9999-12-31T23:00:00-00:59',
  '9999-12-31T22:59:59-01:00',
  '0000-01-01T00:00:00+01:00',
  '0000-01-01T00:00:00-01:00',
  '0000-01-01T00:00:00Z',
  '2024-13-45T10:00:00Z',
  '2024-02-30T10:00:00Z',
  '2024-12-09t10:00:00z',
  '2024-12-09T10:00:00.123456789+02:00',
  '2024-12-09T10:00:00.1234567890Z',
  '2024-12-09 10:00:00Z',
  '2024-12-09T10:00:00',
  '0123456789abcdef',
  '0123456789ABCDEF',
  '0123456789abcde',
  [],
  [{}],
  {},
  { a: 'b' },
  { '': 'x' },
  { a: 1 },
  { a: null },
  { ['k'.repeat(1024)]: 'v' },
  { ['k'.repeat(1025)]: 'v' },
  { a: 'x'.repeat(65_537) },
  // JSON.parse makes `__proto__` an own key; zod's record drops it.
  JSON.parse('{"__proto__":"x","a":"b"}'),
  JSON.parse('{"__proto__":"x"}'),
];

/** A small deterministic PRNG, so a failure names a case that can be rerun. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const keys = Object.keys(value).map((key) => [...prefix, key]);
  return [prefix, ...keys.flatMap((path) => paths((value as Record<string, unknown>)[path[path.length - 1]], path))];
}

function mutate(body: Record<string, unknown>, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  let target = body as Record<string, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = path[path.length - 1];
  // JSON has no holes: removing an array element shortens the array.
  if (value === undefined && Array.isArray(target)) target.splice(Number(last), 1);
  else if (value === undefined) delete target[last];
  else target[last] = value;
  return body;
}

type Outcome = { ok: true; data: unknown } | { ok: false; message: string };

function outcome(parse: () => unknown): Outcome {
  try {
    return { ok: true, data: parse() };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

function zodOutcome(body: unknown): Outcome {
  const result = AlertmanagerWebhookSchema.safeParse(body);
  return result.success ? { ok: true, data: result.data } : { ok: false, message: result.error.issues.map((i) => i.message).join() };
}

describe('the webhook validator', () => {
  it('agrees with the contract on every fixture and on thousands of hostile mutations of them', () => {
    const next = random(20261206);
    let cases = 0;
    for (const name of FIXTURES) {
      const all = paths(alertmanagerFixture(name));
      for (let round = 0; round < 500; round++) {
        const path = all[Math.floor(next() * all.length)];
        const value = HOSTILE[Math.floor(next() * HOSTILE.length)];
        // Each side gets its own copy: the fast path fills in defaults on the body it is given.
        const body = () => mutate(alertmanagerFixture(name), path, structuredClone(value));
        const expected = zodOutcome(body());
        const actual = outcome(() => parseWebhook(body()));
        const label = `${name} ${path.join('.')} = ${JSON.stringify(value)?.slice(0, 40)}`;
        expect({ label, ok: actual.ok }).toEqual({ label, ok: expected.ok });
        if (actual.ok && expected.ok) expect(actual.data).toEqual(expected.data);
        // What passes becomes alerts.received data, published without validating it again when it is
        // judged to meet that contract (else validated, and refused).
        if (actual.ok) {
          const received = alertsReceivedFromWebhook(actual.data as AlertmanagerWebhook, new Date());
          const valid = received.every((data) => AlertReceivedSchema.safeParse(data).success);
          expect({ label, trusted: meetsAlertReceivedContract(received) }).toEqual({ label, trusted: valid });
        }
        cases++;
      }
    }
    expect(cases).toBe(FIXTURES.length * 500);
  });

  it('decides a valid body without zod, filling in the same defaults', () => {
    const parse = jest.spyOn(AlertmanagerWebhookSchema, 'safeParse');
    const body = alertmanagerFixture('firing-group') as unknown as Record<string, unknown>;
    delete body.truncatedAlerts;
    delete body.externalURL;
    const expected = AlertmanagerWebhookSchema.parse(structuredClone(body));
    parse.mockClear();
    expect(parseWebhook(body)).toEqual(expected);
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
  });

  it('gives every alert a default of its own, as zod does, never one shared object', () => {
    const body = alertmanagerFixture('firing-group') as unknown as { alerts: Array<Record<string, unknown>> };
    for (const alert of body.alerts) delete alert.annotations;
    const [first, second] = parseWebhook(body).alerts;
    first.annotations.note = 'only the first';
    expect(second.annotations).toEqual({});
  });

  it('leaves a `__proto__` label to zod, which drops it, so the labels and fingerprint are the contract’s', () => {
    const text = JSON.stringify(alertmanagerFixture('firing-group'));
    for (const edited of [
      text.replace('"labels":{', '"labels":{"__proto__":"x",'),
      text.replace(/"labels":\{[^}]*\}/, '"labels":{"__proto__":"x"}'),
    ]) {
      expect(edited).not.toBe(text);
      const expected = zodOutcome(JSON.parse(edited));
      const actual = outcome(() => parseWebhook(JSON.parse(edited)));
      expect(actual.ok).toBe(expected.ok);
      if (actual.ok && expected.ok) {
        expect(actual.data).toEqual(expected.data);
        expect(Object.keys((actual.data as AlertmanagerWebhook).alerts[0].labels)).not.toContain('__proto__');
      }
    }
  });

  it('refuses with the contract’s own words, naming each field', () => {
    const body = alertmanagerFixture('firing-group') as unknown as { alerts: Array<Record<string, unknown>> };
    body.alerts[0].startsAt = '+010000-01-01T00:00:00Z';
    body.alerts[1].labels = {};
    expect(() => parseWebhook(body)).toThrow(
      expect.objectContaining({
        status: 400,
        message: expect.stringMatching(
          /alerts\.0\.startsAt: must be an RFC 3339 timestamp.*alerts\.1\.labels: an alert needs at least one label/,
        ),
      }),
    );
  });

  it('builds alerts.received data that meets its contract, so the ingress need not validate it again', () => {
    for (const name of FIXTURES) {
      for (const data of alertsReceivedFromWebhook(parseWebhook(alertmanagerFixture(name)), new Date())) {
        expect(AlertReceivedSchema.safeParse(data).success).toBe(true);
      }
    }
  });
});
