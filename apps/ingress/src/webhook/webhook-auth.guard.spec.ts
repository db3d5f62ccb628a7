import type { FastifyRequest } from 'fastify';
import pino from 'pino';
import { AppError } from '@firebreak/platform';
import { webhookAuthRefusal } from './webhook-auth.guard';
import { WebhookCredentials } from './webhook-credentials';

const logger = pino({ level: 'silent' });
const TOKEN = 'token-one-1';

const request = (remoteAddress: string, headers: Record<string, string> = {}) =>
  ({ socket: { remoteAddress }, headers }) as unknown as FastifyRequest;

const statusOf = (refusal: AppError | undefined) => refusal?.status ?? 'accepted';

// The refusal reads the caller's address and proxy headers only in the loopback mode: these pin
// down that each mode still decides on what it should.
describe('webhook auth refusal', () => {
  describe('without credentials (loopback)', () => {
    const credentials = WebhookCredentials.create([], [], 'loopback');

    it('accepts a caller on this host and refuses one elsewhere with 403', () => {
      expect(statusOf(webhookAuthRefusal(credentials, request('127.0.0.1'), logger))).toBe('accepted');
      expect(statusOf(webhookAuthRefusal(credentials, request('::ffff:127.0.0.1'), logger))).toBe('accepted');
      expect(statusOf(webhookAuthRefusal(credentials, request('10.20.30.40'), logger))).toBe(403);
    });

    it.each(['forwarded', 'x-forwarded-for', 'x-real-ip', 'via', 'x-forwarded-host', 'x-client-ip', 'true-client-ip'])(
      'refuses a caller on this host that forwards with %s',
      (header) => {
        expect(statusOf(webhookAuthRefusal(credentials, request('127.0.0.1', { [header]: '203.0.113.9' }), logger))).toBe(403);
      },
    );
  });

  describe('with credentials', () => {
    const credentials = WebhookCredentials.create([TOKEN], [], 'loopback');

    it('accepts the token from anywhere, through a proxy too', () => {
      const proxied = request('203.0.113.9', { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '198.51.100.7' });
      expect(statusOf(webhookAuthRefusal(credentials, proxied, logger))).toBe('accepted');
    });

    it('refuses a missing or wrong token with 401 and the challenge, from this host too', () => {
      const missing = webhookAuthRefusal(credentials, request('127.0.0.1'), logger);
      const wrong = webhookAuthRefusal(credentials, request('127.0.0.1', { authorization: 'Bearer token-one-2' }), logger);
      for (const refusal of [missing, wrong]) {
        expect(statusOf(refusal)).toBe(401);
        expect(refusal?.headers['www-authenticate']).toMatch(/^Bearer realm="firebreak"/);
      }
    });
  });

  it('accepts anyone with FIREBREAK_WEBHOOK_AUTH=none', () => {
    const credentials = WebhookCredentials.create([], [], 'none');
    expect(statusOf(webhookAuthRefusal(credentials, request('203.0.113.9', { via: '1.1 proxy' }), logger))).toBe('accepted');
  });
});
