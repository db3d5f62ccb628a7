import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { alertmanagerFixture, resolveNatsUrl, uniqueTestId } from '@firebreak/testing';
import { post, startIngress, stopIngress, storedAlertCount } from '../testing/ingress-harness';

describe('the webhook without configured credentials', () => {
  let app: NestFastifyApplication | undefined;

  beforeAll(async () => {
    process.env.NATS_URL = await resolveNatsUrl();
    process.env.FIREBREAK_SUBJECT_PREFIX = uniqueTestId('authmodes');
    process.env.LOG_LEVEL = 'silent';
  });

  afterEach(async () => {
    await stopIngress(app);
    app = undefined;
    delete process.env.FIREBREAK_WEBHOOK_AUTH;
  });

  it('accepts callers on this host only, by the socket address and not a forwarded one', async () => {
    app = await startIngress();
    const body = alertmanagerFixture('resolved');

    expect((await post(app, { body, remoteAddress: '127.0.0.1' })).statusCode).toBe(200);
    const before = await storedAlertCount(app);
    const remote = await post(app, { body, remoteAddress: '10.20.30.40', headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(remote.statusCode).toBe(403);
    expect(remote.json().error.message).toMatch(/FIREBREAK_WEBHOOK_TOKENS/);
    expect(await storedAlertCount(app)).toBe(before);
  });

  it.each([
    ['X-Forwarded-For', { 'x-forwarded-for': '203.0.113.9' }],
    ['Forwarded', { forwarded: 'for=203.0.113.9;proto=https' }],
    ['X-Real-IP', { 'x-real-ip': '203.0.113.9' }],
    ['Via', { via: '1.1 nginx' }],
  ])('refuses a caller on this host that forwards with %s: a proxy in front means not local', async (_name, headers) => {
    app = await startIngress();
    const before = await storedAlertCount(app);
    const proxied = await post(app, { body: alertmanagerFixture('resolved'), remoteAddress: '127.0.0.1', headers });
    expect(proxied.statusCode).toBe(403);
    expect(proxied.json().error.message).toMatch(/not through a proxy/);
    expect(await storedAlertCount(app)).toBe(before);
  });

  it('accepts anyone with FIREBREAK_WEBHOOK_AUTH=none', async () => {
    process.env.FIREBREAK_WEBHOOK_AUTH = 'none';
    app = await startIngress();

    expect((await post(app, { body: alertmanagerFixture('resolved'), remoteAddress: '10.20.30.40' })).statusCode).toBe(200);
  });
});
