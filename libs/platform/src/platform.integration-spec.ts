import { spawn, ChildProcess } from 'node:child_process';
import { Body, Controller, Module, Post } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { freePort, resolveDatabaseUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { ApiPrincipal } from './auth/api-tokens';
import { Principal, RequireRole } from './auth/api-token.guard';
import { AuditLog } from './auth/audit';
import { createService } from './http/bootstrap';
import { ZodPipe } from './http/zod-pipe';
import { PlatformModule } from './platform.module';
import { OutboxRetriesMigration } from './database/outbox-retries.migration';
import { ServiceTablesMigration } from './database/service-tables.migration';

class TestTables1700000000000 extends ServiceTablesMigration {
  name = 'TestTables1700000000000';
}

class TestOutboxRetries1700000000001 extends OutboxRetriesMigration {
  name = 'TestOutboxRetries1700000000001';
}

@Controller('api/v1/things')
class ThingsController {
  constructor(private readonly audit: AuditLog) {}

  @Post()
  @RequireRole('operator')
  async create(@Body(new ZodPipe(z.object({ name: z.string().min(1) }))) body: { name: string }, @Principal() principal: ApiPrincipal) {
    await this.audit.record({ actor: principal.name, action: 'thing.create', target: body.name });
    return { created: body.name };
  }
}

@Module({
  imports: [
    PlatformModule.forService({ app: 'mapper', database: { migrations: [TestTables1700000000000, TestOutboxRetries1700000000001] } }),
  ],
  controllers: [ThingsController],
})
class TestAppModule {}

function startNats(port: number, storeDir: string): ChildProcess {
  return spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });
}

describe('a service on the platform', () => {
  let app: NestFastifyApplication;
  let nats: ChildProcess;
  let natsPort: number;
  const storeDir = `/tmp/${uniqueTestId('nats')}`;
  const schema = uniqueTestId('platform');

  // Its own nats-server, so the test can stop and restart it without touching anyone else's.
  beforeAll(async () => {
    natsPort = await freePort();
    nats = startNats(natsPort, storeDir);
    process.env.NATS_URL = `nats://127.0.0.1:${natsPort}`;
    process.env.DATABASE_URL = await resolveDatabaseUrl();
    process.env.FIREBREAK_DB_SCHEMA = schema;
    process.env.FIREBREAK_API_TOKENS = 'viewer-token-1:viewer:vera,operator-token-1:operator:otto';
    process.env.LOG_LEVEL = 'silent';
    app = await createService(TestAppModule, { app: 'mapper', description: 'test' });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    nats?.kill('SIGKILL');
    const ds = new DataSource({ type: 'postgres', url: await resolveDatabaseUrl() });
    await ds.initialize();
    await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await ds.destroy();
  });

  const inject = (options: { method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; payload?: unknown }) =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject(options as never);

  it('answers 401 without a token, 403 for the wrong role, 2xx for the right one, and audits the change', async () => {
    const none = await inject({ method: 'POST', url: '/api/v1/things', payload: { name: 'x' } });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringMatching(/bearer token is required/) } });
    const wrongToken = await inject({
      method: 'POST',
      url: '/api/v1/things',
      headers: { authorization: 'Bearer nope-nope-nope' },
      payload: { name: 'x' },
    });
    expect(wrongToken.statusCode).toBe(401);
    const viewer = await inject({
      method: 'POST',
      url: '/api/v1/things',
      headers: { authorization: 'Bearer viewer-token-1' },
      payload: { name: 'x' },
    });
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json().error.code).toBe('forbidden');
    const operator = await inject({
      method: 'POST',
      url: '/api/v1/things',
      headers: { authorization: 'Bearer operator-token-1' },
      payload: { name: 'lamp' },
    });
    expect(operator.statusCode).toBe(201);
    const audit = await app.get(AuditLog).recent(10);
    expect(audit).toEqual([expect.objectContaining({ actor: 'otto', action: 'thing.create', target: 'lamp' })]);
  });

  it('answers a bad body with 400 naming the field, in the one error shape', async () => {
    const response = await inject({
      method: 'POST',
      url: '/api/v1/things',
      headers: { authorization: 'Bearer operator-token-1' },
      payload: { name: '' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/^name: /) });
  });

  it('serves liveness, metrics and the OpenAPI document', async () => {
    expect((await inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    const metrics = await inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/firebreak_process_cpu_seconds_total/);
    expect(metrics.body).toMatch(/firebreak_bus_connected 1/);
    const docs = await inject({ method: 'GET', url: '/docs-json' });
    expect(Object.keys(docs.json().paths)).toContain('/api/v1/things');
  });

  it('turns not ready when NATS stops and ready again when it returns, without a restart', async () => {
    const ready = async () => (await inject({ method: 'GET', url: '/health/ready' })).statusCode;
    expect(await ready()).toBe(200);
    nats.kill('SIGKILL');
    await waitFor(async () => (await ready()) === 503, { timeoutMs: 15_000, message: 'readiness did not turn 503' });
    const body = (await inject({ method: 'GET', url: '/health/ready' })).json();
    expect(body.error.nats).toEqual({ status: 'down', message: 'nats is not answering' });
    expect(body.info.postgres.status).toBe('up');
    nats = startNats(natsPort, storeDir);
    await waitFor(async () => (await ready()) === 200, { timeoutMs: 30_000, message: 'readiness did not return to 200' });
  });
});
