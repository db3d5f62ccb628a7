import { buildConfig, ConfigError } from '@firebreak/platform';
import { DEFAULT_WEBHOOK_MAX_BYTES, SERVICE } from './service';

describe('ingress configuration', () => {
  it('defaults to no credentials, loopback callers only and a 1 MiB body limit', () => {
    const config = buildConfig(SERVICE, {});
    expect(config.FIREBREAK_WEBHOOK_TOKENS).toEqual([]);
    expect(config.FIREBREAK_WEBHOOK_BASIC_AUTH).toEqual([]);
    expect(config.FIREBREAK_WEBHOOK_AUTH).toBe('loopback');
    expect(config.FIREBREAK_WEBHOOK_MAX_BYTES).toBe(DEFAULT_WEBHOOK_MAX_BYTES);
  });

  it('parses the credential lists', () => {
    const config = buildConfig(SERVICE, { FIREBREAK_WEBHOOK_TOKENS: 'token-one-1,token-two-2', FIREBREAK_WEBHOOK_BASIC_AUTH: 'am:pass' });
    expect(config.FIREBREAK_WEBHOOK_TOKENS).toEqual(['token-one-1', 'token-two-2']);
    expect(config.FIREBREAK_WEBHOOK_BASIC_AUTH).toEqual(['am:pass']);
  });

  it('stops start-up naming the variable and entry of a bad secret, never the secret itself', () => {
    const start = () => buildConfig(SERVICE, { FIREBREAK_WEBHOOK_TOKENS: 'token-one-1,tiny', FIREBREAK_WEBHOOK_BASIC_AUTH: 'justauser' });
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/FIREBREAK_WEBHOOK_TOKENS: entry 2: a token must be at least 8 characters/);
    expect(start).toThrow(/FIREBREAK_WEBHOOK_BASIC_AUTH: entry 1: must be user:password/);
    expect(start).not.toThrow(/tiny|justauser/);
  });

  it('refuses an unknown auth fallback and an out-of-range body limit', () => {
    expect(() => buildConfig(SERVICE, { FIREBREAK_WEBHOOK_AUTH: 'off' })).toThrow(/FIREBREAK_WEBHOOK_AUTH: /);
    expect(() => buildConfig(SERVICE, { FIREBREAK_WEBHOOK_MAX_BYTES: '10' })).toThrow(/FIREBREAK_WEBHOOK_MAX_BYTES: /);
  });
});
