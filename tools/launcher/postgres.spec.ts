import { planPostgres, type PostgresFacts } from './postgres';

const nothingRunning: PostgresFacts = {
  databaseUrl: undefined,
  localAnswers: false,
  embeddedPortAnswers: false,
  dataDir: '/repo/.data/postgres',
  initialised: false,
  runningAsRoot: false,
};

describe('planPostgres', () => {
  it('uses DATABASE_URL when it is set, without looking further', () => {
    expect(planPostgres({ ...nothingRunning, databaseUrl: 'postgres://app:pw@db:5432/app', localAnswers: true })).toEqual({
      kind: 'given',
      url: 'postgres://app:pw@db:5432/app',
    });
  });

  it('uses the Postgres on 127.0.0.1:5432 as user postgres when it answers', () => {
    expect(planPostgres({ ...nothingRunning, localAnswers: true })).toEqual({
      kind: 'local',
      url: 'postgres://postgres@127.0.0.1:5432/postgres',
    });
  });

  it('starts an embedded Postgres on 5433 otherwise, and initialises a new data directory', () => {
    const plan = planPostgres(nothingRunning);
    expect(plan.kind).toBe('embedded');
    if (plan.kind !== 'embedded') return;
    expect(plan.url).toBe(`postgres://postgres:${plan.settings.password}@127.0.0.1:5433/postgres`);
    expect(plan.settings).toMatchObject({
      databaseDir: '/repo/.data/postgres',
      port: 5433,
      user: 'postgres',
      initialise: true,
      createPostgresUser: false,
    });
  });

  it('reuses an initialised data directory instead of running initdb again', () => {
    const plan = planPostgres({ ...nothingRunning, initialised: true });
    expect(plan.kind === 'embedded' && plan.settings.initialise).toBe(false);
  });

  it('runs Postgres as a system user named postgres when the launcher runs as root', () => {
    const plan = planPostgres({ ...nothingRunning, runningAsRoot: true });
    expect(plan.kind === 'embedded' && plan.settings.createPostgresUser).toBe(true);
  });

  it('refuses to start when port 5433 is already taken', () => {
    const plan = planPostgres({ ...nothingRunning, embeddedPortAnswers: true });
    expect(plan.kind).toBe('unavailable');
    expect(plan.kind === 'unavailable' && plan.reason).toMatch(/5433.*taken/);
  });
});
