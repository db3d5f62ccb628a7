import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { alertmanagerFixture, resolveNatsUrl, uniqueTestId } from '@firebreak/testing';
import { post, startIngress, stopIngress, storedAlertCount } from '../testing/ingress-harness';

describe('a webhook with an alert larger than one NATS message', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    process.env.NATS_URL = await resolveNatsUrl();
    process.env.FIREBREAK_SUBJECT_PREFIX = uniqueTestId('oversized');
    process.env.FIREBREAK_WEBHOOK_AUTH = 'none';
    // Above the local server's max_payload (1 MiB by default), so the body passes the edge.
    process.env.FIREBREAK_WEBHOOK_MAX_BYTES = String(4 * 1_048_576);
    process.env.LOG_LEVEL = 'silent';
    app = await startIngress();
  });

  afterAll(() => stopIngress(app));

  it('answers 413 (Alertmanager does not retry it) and publishes none of the request, not even its small alerts', async () => {
    const fixture = alertmanagerFixture('firing-group');
    const annotations = Object.fromEntries(Array.from({ length: 24 }, (_, index) => [`blob_${index}`, 'x'.repeat(60_000)]));
    fixture.alerts[1] = { ...fixture.alerts[1], annotations: { ...fixture.alerts[1].annotations, ...annotations } };
    const before = await storedAlertCount(app);

    const response = await post(app, { body: fixture });

    expect(response.statusCode).toBe(413);
    expect(response.json().error).toMatchObject({ code: 'payload_too_large', message: expect.stringMatching(/max_payload/) });
    expect(await storedAlertCount(app)).toBe(before);
  });
});
