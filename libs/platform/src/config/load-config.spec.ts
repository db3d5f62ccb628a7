import { z } from 'zod';
import { buildConfig } from './service-config';
import { ApiTokens } from '../auth/api-tokens';
import { ConfigError } from './config-error';
import { loadEnv } from './load-config';

describe('service configuration', () => {
  it('uses the one-machine defaults when nothing is set', () => {
    const config = buildConfig({ app: 'runbook-executor' }, {});
    expect(config.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/postgres');
    expect(config.dbSchema).toBe('runbook_executor');
  });

  it('stops start-up naming a missing required variable', () => {
    const env = z.object({ FIREBREAK_WEBHOOK_TOKENS: z.string() });
    expect(() => buildConfig({ app: 'ingress', env }, {})).toThrow(ConfigError);
    expect(() => buildConfig({ app: 'ingress', env }, {})).toThrow(/FIREBREAK_WEBHOOK_TOKENS is required but not set/);
  });

  it('stops start-up naming a malformed variable and what is wrong with it', () => {
    expect(() => buildConfig({ app: 'mapper' }, { FIREBREAK_STREAM_REPLICAS: 'three' })).toThrow(/FIREBREAK_STREAM_REPLICAS: /);
    expect(() => buildConfig({ app: 'mapper' }, { DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(() => buildConfig({ app: 'mapper' }, { NATS_URL: 'localhost' })).toThrow(/NATS_URL: must be a nats:\/\/ URL/);
  });

  it('reports every problem at once', () => {
    try {
      loadEnv(z.object({ A: z.coerce.number(), B: z.string() }), { A: 'x' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });

  it('treats an empty variable as not set', () => {
    expect(buildConfig({ app: 'mapper' }, { NATS_URL: '' }).NATS_URL).toBe('nats://127.0.0.1:4222');
  });

  it('rejects API tokens with an unknown role or too short a token, naming the entry', () => {
    expect(() => ApiTokens.parse('abcdefgh:viewer,short:admin')).toThrow(/entry 2: the token must be at least 8 characters/);
    expect(() => ApiTokens.parse('abcdefgh:root')).toThrow(/entry 1: role must be one of viewer, operator, admin/);
    const tokens = ApiTokens.parse('abcdefgh:operator:alice, ijklmnop:viewer');
    expect(tokens.authenticate('abcdefgh')).toEqual({ role: 'operator', name: 'alice' });
    expect(tokens.authenticate('ijklmnop')?.name).toMatch(/^token-[0-9a-f]{8}$/);
    expect(tokens.authenticate('nope')).toBeUndefined();
  });
});
