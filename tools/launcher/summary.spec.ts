import { renderSummary } from './summary';

describe('renderSummary', () => {
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
    expect(text).toContain('2 of 7 services ready after 4.2 s');
  });

  it('marks the services that were not built', () => {
    expect(text).toMatch(/notifier +skipped \(not built\)/);
  });

  it('shows the NATS and Postgres in use without their passwords', () => {
    expect(text).toContain('postgres://postgres:***@127.0.0.1:5433/postgres');
    expect(text).not.toContain('firebreak@');
  });
});
