import { readLauncherConfig } from './config';

const context = { rootDir: '/repo', stdoutIsTty: true };

describe('readLauncherConfig', () => {
  it('defaults to the local NATS, no DATABASE_URL and a 60 s start timeout', () => {
    expect(readLauncherConfig({}, context)).toMatchObject({
      natsUrl: 'nats://127.0.0.1:4222',
      databaseUrl: undefined,
      startTimeoutMs: 60_000,
      dataDir: '/repo/.data',
      color: true,
    });
  });

  it('takes NATS_URL, DATABASE_URL and FIREBREAK_START_TIMEOUT_SEC from the environment', () => {
    const config = readLauncherConfig(
      { NATS_URL: 'nats://n:4222', DATABASE_URL: 'postgres://d/db', FIREBREAK_START_TIMEOUT_SEC: '90' },
      context,
    );
    expect(config).toMatchObject({ natsUrl: 'nats://n:4222', databaseUrl: 'postgres://d/db', startTimeoutMs: 90_000 });
  });

  it('treats an empty DATABASE_URL as unset', () => {
    expect(readLauncherConfig({ DATABASE_URL: ' ' }, context).databaseUrl).toBeUndefined();
  });

  it('colors only a terminal, and never with NO_COLOR', () => {
    expect(readLauncherConfig({}, { ...context, stdoutIsTty: false }).color).toBe(false);
    expect(readLauncherConfig({ NO_COLOR: '1' }, context).color).toBe(false);
  });

  it('names the variable when the timeout is not a positive number', () => {
    expect(() => readLauncherConfig({ FIREBREAK_START_TIMEOUT_SEC: 'soon' }, context)).toThrow(/FIREBREAK_START_TIMEOUT_SEC.*"soon"/);
  });
});
