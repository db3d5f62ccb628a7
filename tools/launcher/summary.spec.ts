import { renderSummary } from './summary';

describe('renderSummary', () => {
  const base = {
    nats: { url: 'nats://127.0.0.1:4222', note: 'already running' },
    postgres: { url: 'postgres://postgres@127.0.0.1:5432/postgres', note: 'already running' },
    readyAfterMs: 1000,
  };
  const text = renderSummary({
    started: [
      { name: 'ingress', port: 8080 },
      { name: 'mapper', port: 8081 },
    ],
    nats: { url: 'nats://127.0.0.1:4222', note: 'already running' },
    postgres: { url: 'postgres://postgres:firebreak@127.0.0.1:5433/postgres', note: 'embedded' },
    readyAfterMs: 4200,
  });

  it('lists the URL, docs, metrics and readiness of each started service', () => {
    expect(text).toMatch(
      /ingress +http:\/\/127\.0\.0\.1:8080 +http:\/\/127\.0\.0\.1:8080\/docs +http:\/\/127\.0\.0\.1:8080\/metrics +http:\/\/127\.0\.0\.1:8080\/health\/ready/,
    );
    expect(text).toContain('2 of 8 services ready after 4.2 s');
  });

  it('marks the services that were not built', () => {
    expect(text).toMatch(/notifier +skipped \(not built\)/);
  });

  it('shows the NATS and Postgres in use without their passwords', () => {
    expect(text).toContain('postgres://postgres:***@127.0.0.1:5433/postgres');
    expect(text).not.toContain('firebreak@');
  });

  it('ends with the console URL that signs in with the first-run token, in the fragment', () => {
    const started = [{ name: 'console', port: 8090 }] as const;
    const lines = renderSummary({ ...base, started, localAdminToken: 'tok_EN-123', revealToken: true })
      .trimEnd()
      .split('\n');
    expect(lines.at(-1)).toBe('  Console: http://127.0.0.1:8090/#token=tok_EN-123');
  });

  it('keeps the token out of captured output (not a terminal, not just made): the plain URL and where the token is', () => {
    const started = [{ name: 'console', port: 8090 }] as const;
    const text = renderSummary({ ...base, started, localAdminToken: 'tok_EN-123', localAdminTokenFile: '.data/console-admin-token' });
    expect(text).not.toContain('tok_EN-123');
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      '  Console: http://127.0.0.1:8090/  (sign in with the token in .data/console-admin-token)',
    );
  });

  it('prints the plain console URL and where to find a token when FIREBREAK_API_TOKENS was given', () => {
    const line = renderSummary({ ...base, started: [{ name: 'console', port: 8090 }] })
      .trimEnd()
      .split('\n')
      .at(-1);
    expect(line).toBe('  Console: http://127.0.0.1:8090/  (sign in with one of the tokens of FIREBREAK_API_TOKENS)');
    expect(line).not.toContain('#token=');
  });

  it('says the console was not started when it was not built', () => {
    expect(text.trimEnd().split('\n').at(-1)).toBe('  Console: not started (not built)');
  });
});
