import { ConfigError } from '@firebreak/platform';
import { isLoopback, parseBasicAuthPairs, parseBearerTokens, WebhookCredentials } from './webhook-credentials';

const basic = (pair: string) => `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;

describe('webhook credentials', () => {
  it('parses comma-separated bearer tokens and names each bad entry without echoing it', () => {
    expect(parseBearerTokens(' token-one-1 , ,token-two-2')).toEqual({ values: ['token-one-1', 'token-two-2'], problems: [] });
    const parsed = parseBearerTokens('good-token-1,short,has space x');
    expect(parsed.values).toEqual(['good-token-1']);
    expect(parsed.problems).toEqual([
      'entry 2: a token must be at least 8 characters',
      'entry 3: a token may hold only visible ASCII characters, no spaces',
    ]);
    expect(parsed.problems.join()).not.toMatch(/short/);
  });

  it('parses user:password pairs, a password may contain colons', () => {
    expect(parseBasicAuthPairs('alertmanager:s3cret,ops:a:b:c')).toEqual({ values: ['alertmanager:s3cret', 'ops:a:b:c'], problems: [] });
    expect(parseBasicAuthPairs('nopassword,:nouser,empty:').problems).toEqual([
      'entry 1: must be user:password',
      'entry 2: must be user:password',
      'entry 3: the password is empty',
    ]);
  });

  describe('with credentials configured', () => {
    const credentials = WebhookCredentials.create(['token-one-1', 'token-two-2'], ['alertmanager:s3cret', 'ops:a:b'], 'loopback');

    it('accepts any configured bearer token or basic pair, the scheme in any case', () => {
      expect(credentials.mode).toBe('credentials');
      expect(credentials.check('Bearer token-two-2', '10.0.0.1')).toBe('accepted');
      expect(credentials.check('bearer token-one-1', '10.0.0.1')).toBe('accepted');
      expect(credentials.check(basic('alertmanager:s3cret'), '10.0.0.1')).toBe('accepted');
      expect(credentials.check(basic('ops:a:b'), '10.0.0.1')).toBe('accepted');
    });

    it('refuses what is missing, wrong, mixed up or of another scheme, from loopback too', () => {
      expect(credentials.check(undefined, '127.0.0.1')).toBe('missing');
      expect(credentials.check('Bearer token-one-', '127.0.0.1')).toBe('invalid');
      expect(credentials.check('Bearer alertmanager:s3cret', '127.0.0.1')).toBe('invalid');
      expect(credentials.check(basic('token-one-1'), '127.0.0.1')).toBe('invalid');
      expect(credentials.check(basic('alertmanager:s3creT'), '127.0.0.1')).toBe('invalid');
      expect(credentials.check('Token token-one-1', '127.0.0.1')).toBe('invalid');
      expect(credentials.check('Bearer token-one-1 extra', '127.0.0.1')).toBe('invalid');
    });
  });

  it('without credentials accepts callers on this host only, by default', () => {
    const credentials = WebhookCredentials.create([], [], 'loopback');
    expect(credentials.mode).toBe('loopback');
    expect(credentials.check(undefined, '127.0.0.1')).toBe('accepted');
    expect(credentials.check(undefined, '::1')).toBe('accepted');
    expect(credentials.check(undefined, '192.168.1.20')).toBe('not_loopback');
    expect(credentials.check('Bearer anything-at-all', '192.168.1.20')).toBe('not_loopback');
  });

  it('without credentials refuses a loopback caller that forwards for someone else (a proxy on this host)', () => {
    const credentials = WebhookCredentials.create([], [], 'loopback');
    expect(credentials.check(undefined, '127.0.0.1', true)).toBe('not_loopback');
    expect(WebhookCredentials.create(['token-one-1'], [], 'loopback').check('Bearer token-one-1', '127.0.0.1', true)).toBe('accepted');
  });

  it('accepts anyone only when told FIREBREAK_WEBHOOK_AUTH=none, which contradicts configured credentials', () => {
    expect(WebhookCredentials.create([], [], 'none').check(undefined, '203.0.113.9')).toBe('accepted');
    expect(() => WebhookCredentials.create(['token-one-1'], [], 'none')).toThrow(ConfigError);
  });

  it('knows loopback addresses, IPv4-mapped included', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopback(address)).toBe(true);
    for (const address of [undefined, '', '10.0.0.1', '::ffff:10.0.0.1', '::2', '1270.0.0.1', 'fe80::1'])
      expect(isLoopback(address)).toBe(false);
  });
});
