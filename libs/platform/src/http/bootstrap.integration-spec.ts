import { Module } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { z } from 'zod';
import { FakeClock, resolveNatsUrl, uniqueTestId } from '@firebreak/testing';
import { ConfigError } from '../config/config-error';
import { env } from '../config/env';
import { BaseServiceConfig } from '../config/service-config';
import { PlatformModule } from '../platform.module';
import { CONFIG } from '../platform.tokens';
import { Clock, CLOCK } from '../time/clock';
import { createService } from './bootstrap';

const SERVICE = { app: 'ingress' as const, env: z.object({ FIREBREAK_TEST_LIMIT: env.int(1, 10, 3) }) };

@Module({ imports: [PlatformModule.forService(SERVICE)] })
class StatelessAppModule {}

describe('createService', () => {
  const apps: NestFastifyApplication[] = [];

  beforeAll(async () => {
    process.env.NATS_URL = await resolveNatsUrl();
    process.env.FIREBREAK_SUBJECT_PREFIX = uniqueTestId('boot');
    process.env.LOG_LEVEL = 'silent';
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    delete process.env.FIREBREAK_TEST_LIMIT;
  });

  async function start(options: { clock?: Clock } = {}): Promise<NestFastifyApplication> {
    const app = await createService(StatelessAppModule, { app: 'ingress', description: 'test', ...options });
    apps.push(app);
    await app.init();
    return app;
  }

  it('stops with the variable named before Nest starts when the environment is wrong', async () => {
    process.env.FIREBREAK_TEST_LIMIT = '11';
    const starting = createService(StatelessAppModule, { app: 'ingress', description: 'test' });
    await expect(starting).rejects.toThrow(ConfigError);
    await expect(starting).rejects.toThrow(/FIREBREAK_TEST_LIMIT/);
  });

  it('hands the app the config it built at start', async () => {
    process.env.FIREBREAK_TEST_LIMIT = '7';
    let seen: number | undefined;
    const app = await createService<BaseServiceConfig & { FIREBREAK_TEST_LIMIT: number }>(StatelessAppModule, {
      app: 'ingress',
      description: 'test',
      bodyLimit: (config) => {
        seen = config.FIREBREAK_TEST_LIMIT;
        return 1_048_576;
      },
    });
    apps.push(app);
    expect(seen).toBe(7);
    expect(app.get<{ FIREBREAK_TEST_LIMIT: number }>(CONFIG).FIREBREAK_TEST_LIMIT).toBe(7);
  });

  it('gives the app the clock a test passes', async () => {
    const clock = new FakeClock(new Date('2030-01-01T00:00:00.000Z'));
    const app = await start({ clock });
    expect(app.get(CLOCK)).toBe(clock);
    expect(app.get<Clock>(CLOCK).now().toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('gives each app a clock of its own, so moving one moves no other', async () => {
    const first = await start();
    const second = await start();
    const firstClock = first.get<Clock>(CLOCK);
    firstClock.now = () => new Date(0);
    expect(second.get<Clock>(CLOCK).now().getTime()).toBeGreaterThan(0);
  });
});
