import { alertFingerprint } from '@firebreak/contracts';
import { FakeHttpTarget, FakeWebhook, waitFor } from '@firebreak/testing';
import { Stack } from './stack';

const TOKEN = 'e2e-viewer-token-0001';
const DETECTOR = 'e2e-target';
const ALERTNAME = 'E2eTargetDown';

interface Announcement {
  type: string;
  data: {
    kind: string;
    alert: { fingerprint: string; status: string; labels: Record<string, string>; annotations: Record<string, string> };
  };
}

interface DetectorView {
  id: string;
  fingerprint: string;
  state: { status: string; alerting: boolean; consecutiveFailures: number; consecutivePasses: number };
  lastResult: { status: string; value: number | null; message: string; extras: Record<string, unknown>; tick: string } | null;
}

/**
 * A detector as a user runs one: the detector-scheduler, mapper and notifier as processes, an `http`
 * detector watching a target this test controls, and the notifier's webhook channel pointing at a
 * fake receiver. The target breaks: people hear once that it fires, however many failing ticks
 * follow; it recovers: they hear once that it resolved.
 */
describe('a detector, from a failing check to the people told', () => {
  const target = new FakeHttpTarget();
  const receiver = new FakeWebhook();
  let healthy = true;
  let stack: Stack;

  beforeAll(async () => {
    await Promise.all([target.start(), receiver.start()]);
    target.on('GET', '/health', () => (healthy ? { status: 200, body: { status: 'ok' } } : { status: 503, body: { status: 'down' } }));
    stack = new Stack({
      apps: ['detector-scheduler', 'mapper', 'notifier'],
      env: {
        FIREBREAK_API_TOKENS: `${TOKEN}:viewer:e2e`,
        FIREBREAK_AUTOMATION_ENABLED: 'false',
        // Poll well inside the 1 s interval, so each tick is run soon after it begins.
        FIREBREAK_DETECTOR_POLL_MS: '100',
      },
      configFiles: {
        'detectors.yaml': [
          'detectors:',
          `  - id: ${DETECTOR}`,
          `    name: ${ALERTNAME}`,
          '    type: http',
          `    url: ${target.url}/health`,
          '    interval: 1s',
          '    timeout: 1s',
          '    failureThreshold: 2',
          '    successThreshold: 1',
          '    severity: warning',
          '    labels: { team: e2e }',
          '    annotations:',
          '      summary: "The target answered {{extras.status}}"',
          '',
        ].join('\n'),
        'channels.yaml': [
          'channels:',
          `  - { name: e2e-hook, type: webhook, url: "${receiver.url}/hook" }`,
          'routes:',
          `  - { matchers: ['detector="${DETECTOR}"'], channels: [e2e-hook] }`,
          '',
        ].join('\n'),
      },
    });
    await stack.start();
  }, 90_000);

  afterAll(async () => {
    await stack?.cleanUp();
    await Promise.all([target.stop(), receiver.stop()]);
  });

  const fingerprint = alertFingerprint({ alertname: ALERTNAME, detector: DETECTOR, severity: 'warning', team: 'e2e' });
  const announcements = (kind: string) =>
    (receiver.bodies as Announcement[]).filter((body) => body?.data?.kind === kind && body.data.alert.fingerprint === fingerprint);
  const api = async <T>(url: string): Promise<T> => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const detector = async (): Promise<DetectorView> => {
    const { detectors } = await api<{ detectors: DetectorView[] }>(`${stack.url('detector-scheduler')}/api/v1/detectors`);
    return detectors.find((d) => d.id === DETECTOR)!;
  };
  /** Waits until the detector's state satisfies `predicate`; returns the state seen. */
  const detectorUntil = async (predicate: (view: DetectorView) => boolean, message: string): Promise<DetectorView> => {
    let seen: DetectorView | undefined;
    await waitFor(async () => predicate((seen = await detector())), {
      timeoutMs: 10_000,
      intervalMs: 100,
      message: () => `${message}; last seen ${JSON.stringify(seen?.state)} ${JSON.stringify(seen?.lastResult)}`,
    });
    return seen!;
  };

  it('shows a healthy target as ok, with its last result, and tells nobody', async () => {
    const view = await detectorUntil((v) => v.state.status === 'ok' && v.lastResult?.status === 'pass', 'no passing run');
    expect(view.fingerprint).toBe(fingerprint);
    expect(view.lastResult).toMatchObject({ status: 'pass', extras: { status: 200 }, message: expect.stringContaining('200') });
    expect(typeof view.lastResult!.value).toBe('number');
    expect(receiver.requests).toHaveLength(0);
  });

  it('fires once when the target breaks, however many failing ticks follow', async () => {
    healthy = false;
    // One failing tick is below the threshold of 2: the state is failing, not alerting.
    const failing = await detectorUntil((v) => v.state.consecutiveFailures >= 1, 'no failing run');
    expect(failing.lastResult).toMatchObject({ status: 'fail', extras: { status: 503 } });

    await waitFor(() => announcements('firing').length >= 1, { timeoutMs: 15_000, message: 'no firing announcement reached the webhook' });
    const firing = announcements('firing')[0];
    expect(firing.type).toBe('firebreak.alerts.notify.v1');
    expect(firing.data.alert).toMatchObject({
      status: 'firing',
      labels: { alertname: ALERTNAME, detector: DETECTOR, severity: 'warning', team: 'e2e' },
      annotations: { summary: 'The target answered 503' },
    });

    // Three more failing ticks after the alert fired: none of them announces it again.
    const alerting = await detectorUntil((v) => v.state.alerting, 'the detector is not alerting');
    const ticksBefore = alerting.state.consecutiveFailures;
    const after = await detectorUntil((v) => v.state.consecutiveFailures >= ticksBefore + 3, 'no further failing ticks');
    expect(after.state).toMatchObject({ status: 'alerting', alerting: true });
    expect(after.lastResult).toMatchObject({ status: 'fail' });
    expect(announcements('firing')).toHaveLength(1);
  });

  it('resolves once when the target recovers', async () => {
    healthy = true;
    await waitFor(() => announcements('resolved').length >= 1, {
      timeoutMs: 15_000,
      message: 'no resolved announcement reached the webhook',
    });
    expect(announcements('resolved')[0].data.alert).toMatchObject({ status: 'resolved', labels: { detector: DETECTOR } });

    const passes = (await detectorUntil((v) => v.state.status === 'ok', 'the detector is not ok again')).state.consecutivePasses;
    await detectorUntil((v) => v.state.consecutivePasses >= passes + 3, 'no further passing ticks');
    // Nothing doubled over the whole episode: one firing, one resolved.
    expect({ firing: announcements('firing').length, resolved: announcements('resolved').length }).toEqual({ firing: 1, resolved: 1 });

    // The mapper holds it as a resolved detector alert that it received firing once: the detector
    // itself published one firing, not one per failing tick (the mapper's dedup would hide repeats
    // from the channel, not from this count).
    const alert = await api<{ status: string; source: string; occurrences: number }>(`${stack.url('mapper')}/api/v1/alerts/${fingerprint}`);
    expect(alert).toMatchObject({ status: 'resolved', source: 'detector', occurrences: 1 });
  });
});
