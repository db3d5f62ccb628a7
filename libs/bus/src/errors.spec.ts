import { asPostgresOutage, DependencyUnavailableError, isConnectionFailure, isOutage } from './errors';

describe('isConnectionFailure: what retrying can fix', () => {
  it.each([
    ['a refused socket', { code: 'ECONNREFUSED' }],
    ['a reset socket', { code: 'ECONNRESET' }],
    ['a DNS lookup that failed for now', { code: 'EAI_AGAIN' }],
    ['connection failure (08006)', { code: '08006' }],
    ['SQL client unable to establish a connection (08001)', { code: '08001' }],
    ['admin shutdown (57P01)', { code: '57P01' }],
    ['crash shutdown (57P02)', { code: '57P02' }],
    ['cannot connect now (57P03)', { code: '57P03' }],
    ['too many connections (53300)', { code: '53300' }],
    ['disk full (53100)', { code: '53100' }],
    ['out of memory (53200)', { code: '53200' }],
    ['lock not available under a lock_timeout (55P03)', { code: '55P03' }],
    ['read-only transaction on a standby during failover (25006)', { code: '25006' }],
    ['serialization failure (40001)', { code: '40001' }],
    ['deadlock detected (40P01)', { code: '40P01' }],
    [
      "TypeORM's QueryFailedError around the driver's error",
      { name: 'QueryFailedError', message: 'deadlock detected', driverError: { code: '40P01' } },
    ],
    ["pg's terminated connection", new Error('Connection terminated unexpectedly')],
  ])('%s', (_name, error) => {
    expect(isConnectionFailure(error)).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', { code: '23505' }],
    ['a protocol violation such as too many bind parameters (08P01)', { code: '08P01' }],
    ['a syntax error (42601)', { code: '42601' }],
    ['a statement_timeout a step or check set itself (57014)', { code: '57014' }],
    ['an undefined table (42P01)', { code: '42P01' }],
    ['a plain error', new Error('boom')],
    ['not an object', 'ECONNREFUSED'],
    ['null', null],
  ])('not %s', (_name, error) => {
    expect(isConnectionFailure(error)).toBe(false);
  });
});

describe('isOutage: the dependency is away, not busy', () => {
  const wrapped = (cause: unknown) => new DependencyUnavailableError('postgres', { cause });

  it.each([
    ['Postgres unavailable around a refused socket', wrapped({ code: 'ECONNREFUSED' })],
    ['Postgres unavailable around a terminated connection', wrapped(new Error('Connection terminated unexpectedly'))],
    ['a provider unavailable', new DependencyUnavailableError('slack', { cause: new Error('503') })],
    ['a refused socket, unwrapped', { code: 'ECONNREFUSED' }],
    ['too many connections (53300)', { code: '53300' }],
    ['a standby during failover (25006)', wrapped({ name: 'QueryFailedError', driverError: { code: '25006' } })],
  ])('%s', (_name, error) => {
    expect(isOutage(error)).toBe(true);
  });

  it.each([
    ['a deadlock (40P01) reported as Postgres unavailable', wrapped({ name: 'QueryFailedError', driverError: { code: '40P01' } })],
    ['a serialization failure (40001)', { code: '40001' }],
    ['a lock timeout (55P03) reported as Postgres unavailable', wrapped({ code: '55P03' })],
    ['a unique violation (23505)', { code: '23505' }],
    ['a plain error', new Error('boom')],
  ])('not %s', (_name, error) => {
    expect(isOutage(error)).toBe(false);
  });
});

describe('asPostgresOutage', () => {
  it('turns a connection failure into an outage of postgres, keeping the cause', () => {
    const failure = Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
    const thrown = asPostgresOutage(failure);
    expect(thrown).toBeInstanceOf(DependencyUnavailableError);
    expect((thrown as DependencyUnavailableError).cause).toBe(failure);
  });

  it('leaves any other error as it is', () => {
    const refused = Object.assign(new Error('value too long'), { code: '22001' });
    expect(asPostgresOutage(refused)).toBe(refused);
  });
});
