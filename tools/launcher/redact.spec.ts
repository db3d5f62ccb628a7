import { redactUrl } from './redact';

describe('redactUrl', () => {
  it('masks the password of a Postgres URL and keeps the rest', () => {
    expect(redactUrl('postgres://postgres:s3cret@127.0.0.1:5433/postgres')).toBe('postgres://postgres:***@127.0.0.1:5433/postgres');
  });

  it('leaves a URL without credentials as it is', () => {
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/postgres')).toBe('postgres://postgres@127.0.0.1:5432/postgres');
    expect(redactUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
  });

  it('masks a NATS token, which travels in the user name', () => {
    expect(redactUrl('nats://t0ken@nats.internal:4222')).toBe('nats://***@nats.internal:4222');
  });

  it('masks secrets passed as query parameters', () => {
    expect(redactUrl('postgres://db.internal/app?sslmode=require&password=hunter2')).toBe(
      'postgres://db.internal/app?sslmode=require&password=***',
    );
  });

  it('masks the password of something that is not a parseable URL', () => {
    expect(redactUrl('//user:pw@[bad')).toBe('//user:***@[bad');
  });
});
