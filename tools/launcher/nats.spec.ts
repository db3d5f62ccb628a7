import { natsEndpoint, planNats } from './nats';

const local = { host: '127.0.0.1', port: 4222 };

describe('planNats', () => {
  it('uses a server that already answers', () => {
    expect(planNats({ url: 'nats://127.0.0.1:4222', endpoint: local, answers: true, binary: undefined })).toEqual({
      kind: 'use-running',
      url: 'nats://127.0.0.1:4222',
    });
  });

  it('starts its own nats-server on the port of NATS_URL when nothing answers there', () => {
    const plan = planNats({
      url: 'nats://localhost:4333',
      endpoint: { host: 'localhost', port: 4333 },
      answers: false,
      binary: '/usr/sbin/nats-server',
    });
    expect(plan).toEqual({ kind: 'start-own', url: 'nats://localhost:4333', binary: '/usr/sbin/nats-server', port: 4333 });
  });

  it('says how to install nats-server when it is missing', () => {
    const plan = planNats({ url: 'nats://127.0.0.1:4222', endpoint: local, answers: false, binary: undefined });
    expect(plan.kind).toBe('unavailable');
    expect(plan.kind === 'unavailable' && plan.reason).toMatch(/apt-get install nats-server[\s\S]*docker compose/);
  });

  it('does not start a local server in place of a remote one that is down', () => {
    const plan = planNats({
      url: 'nats://user:pw@nats.prod:4222',
      endpoint: { host: 'nats.prod', port: 4222 },
      answers: false,
      binary: '/usr/sbin/nats-server',
    });
    expect(plan.kind).toBe('unavailable');
    expect(plan.kind === 'unavailable' && plan.reason).toContain('nats://user:***@nats.prod:4222');
  });
});

describe('natsEndpoint', () => {
  it('reads host and port, defaulting the port to 4222', () => {
    expect(natsEndpoint('nats://127.0.0.1:4223')).toEqual({ host: '127.0.0.1', port: 4223 });
    expect(natsEndpoint('nats://nats.internal')).toEqual({ host: 'nats.internal', port: 4222 });
  });

  it('accepts a bare host:port and the first of several servers', () => {
    expect(natsEndpoint('localhost:4222, nats://other:4222')).toEqual({ host: 'localhost', port: 4222 });
  });

  it('unwraps an IPv6 literal', () => {
    expect(natsEndpoint('nats://[::1]:4222')).toEqual({ host: '::1', port: 4222 });
  });
});
