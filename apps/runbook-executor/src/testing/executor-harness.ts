import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Subscription } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { stringify } from 'yaml';
import { CloudEvent, DataOf, RunbookRequested, streamDefinitions } from '@firebreak/contracts';
import { BusConnection, EventPublisher } from '@firebreak/bus';
import { createService, table } from '@firebreak/platform';
import { resolveDatabaseUrl, resolveNatsUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { ExecutionRow, ExecutionStatus } from '../lifecycle/execution.types';

export const TOKENS = { viewer: 'viewer-token-1', operator: 'operator-token-1', admin: 'admin-token-1' };

export interface SeenEvent {
  subject: string;
  event: CloudEvent<Record<string, unknown>>;
}

/** Writes runbooks and config to a temp dir, sets the environment for one test file and boots the executor in-process. */
export class ExecutorHarness {
  readonly id = uniqueTestId('executor');
  readonly dir = mkdtempSync(join(tmpdir(), 'firebreak-rb-'));
  readonly runbooksDir: string;
  readonly configDir = join(this.dir, 'config');
  readonly events: SeenEvent[] = [];
  app!: NestFastifyApplication;
  private subscription?: Subscription;

  /** `runbooks`: files to write, or an existing directory (the shipped runbooks). */
  constructor(
    runbooks: Record<string, unknown> | string,
    options: { env?: Record<string, string>; config?: Record<string, unknown> } = {},
  ) {
    this.runbooksDir = typeof runbooks === 'string' ? runbooks : join(this.dir, 'runbooks');
    for (const sub of [this.runbooksDir, this.configDir]) mkdirSync(sub, { recursive: true });
    for (const [name, content] of typeof runbooks === 'string' ? [] : Object.entries(runbooks))
      writeFileSync(join(this.runbooksDir, name), typeof content === 'string' ? content : stringify(content));
    for (const [name, content] of Object.entries(options.config ?? {})) writeFileSync(join(this.configDir, name), stringify(content));
    this.env = options.env ?? {};
  }

  private readonly env: Record<string, string>;

  /** `env` is the test file's process.env: the service reads its configuration from there. */
  async start(env: NodeJS.ProcessEnv): Promise<this> {
    Object.assign(env, {
      NATS_URL: await resolveNatsUrl(),
      DATABASE_URL: await resolveDatabaseUrl(),
      FIREBREAK_SUBJECT_PREFIX: this.id,
      FIREBREAK_DB_SCHEMA: this.id,
      FIREBREAK_RUNBOOKS_DIR: this.runbooksDir,
      FIREBREAK_CONFIG_DIR: this.configDir,
      FIREBREAK_API_TOKENS: `${TOKENS.viewer}:viewer:vera,${TOKENS.operator}:operator:otto,${TOKENS.admin}:admin:ada`,
      FIREBREAK_WORKER_POLL_MS: '100',
      FIREBREAK_TIMER_INTERVAL_MS: '100',
      LOG_LEVEL: env.TEST_LOG_LEVEL ?? 'silent',
      ...this.env,
    });
    this.app = await createService(AppModule, { app: 'runbook-executor', description: 'test' });
    await this.app.init();
    await this.app.getHttpAdapter().getInstance().ready();
    const nc = this.app.get(BusConnection).nc;
    this.subscription = nc.subscribe(`${this.id}.>`, {
      callback: (_error, msg) => {
        try {
          this.events.push({ subject: msg.subject.slice(this.id.length + 1), event: msg.json() });
        } catch {
          // acks and other non-JSON traffic
        }
      },
    });
    return this;
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    const connection = this.app?.get(BusConnection);
    if (connection && !connection.nc.isClosed()) {
      for (const stream of streamDefinitions({ subjectPrefix: this.id }))
        await connection.jsm.streams.delete(stream.name).catch(() => undefined);
    }
    await this.app?.close();
    const ds = new DataSource({ type: 'postgres', url: await resolveDatabaseUrl() });
    await ds.initialize();
    await ds.query(`DROP SCHEMA IF EXISTS "${this.id}" CASCADE`);
    await ds.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }

  inject(method: 'GET' | 'POST', url: string, options: { token?: keyof typeof TOKENS | null; payload?: unknown } = {}) {
    const token = options.token === null ? undefined : TOKENS[options.token ?? 'admin'];
    return this.app
      .getHttpAdapter()
      .getInstance()
      .inject({ method, url, payload: options.payload as never, headers: token ? { authorization: `Bearer ${token}` } : {} });
  }

  async request(data: Partial<RunbookRequested> & { runbookId: string }, eventId?: string): Promise<string> {
    const requestId = data.requestId ?? uniqueTestId('req');
    const full = { requestId, mode: 'live', trigger: 'alert', context: {}, params: {}, ...data } as DataOf<'runbooks.requested'>;
    await this.app.get(EventPublisher).publish('runbooks.requested', full, { id: eventId ?? `evt-${requestId}` });
    return requestId;
  }

  async executionByRequest(requestId: string): Promise<ExecutionRow | undefined> {
    const [row] = await this.app.get(DataSource).query(`SELECT * FROM ${table(this.id, 'executions')} WHERE request_id = $1`, [requestId]);
    return row as ExecutionRow | undefined;
  }

  async waitForStatus(requestId: string, statuses: ExecutionStatus[], timeoutMs = 15_000): Promise<ExecutionRow> {
    let last: ExecutionRow | undefined;
    await waitFor(async () => !!(last = await this.executionByRequest(requestId)) && statuses.includes(last.status), {
      timeoutMs,
      message: () =>
        `execution of ${requestId} to reach ${statuses.join('|')}; it is ${last?.status ?? 'not recorded'} (${last?.status_reason ?? ''})`,
    });
    return last!;
  }

  eventsOf<S extends string>(subject: S, filter: (data: Record<string, unknown>) => boolean = () => true) {
    return this.events.filter((entry) => entry.subject === subject && filter(entry.event.data)).map((entry) => entry.event.data);
  }
}
