import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { uniqueTestId } from '@firebreak/testing';
import { BusProbe, closeInstallation, http, startKnowledge, useInstallation } from '../testing/knowledge-harness';

const ID = uniqueTestId('knowledge_shipped');
const SHIPPED = join(__dirname, '..', '..', '..', '..', 'runbooks');

describe('the shipped runbooks as static documents', () => {
  let app: NestFastifyApplication | undefined;
  let bus: BusProbe | undefined;

  afterAll(async () => {
    await closeInstallation(ID, app, bus);
  });

  it('indexes every shipped runbook and the templates at start, and finds them by their words; a restart adds no versions', async () => {
    bus = await useInstallation(ID, { runbooksDir: SHIPPED });
    app = await startKnowledge();
    const call = http(app);
    const ids = readdirSync(SHIPPED)
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => name.replace(/\.yaml$/, ''));
    const listed = (await call('GET', '/api/v1/knowledge/documents?limit=500', 'viewer-token')).json<{
      documents: Array<{ id: string; type: string; version: number }>;
    }>();
    const byId = new Map(listed.documents.map((d) => [d.id, d]));
    for (const id of ids) expect(byId.get(id)).toMatchObject({ type: 'static', version: 1 });
    for (const id of ['template-incident', 'template-remediation', 'template-postmortem']) expect(byId.get(id)?.type).toBe('template');

    const first = async (q: string) =>
      (await call('GET', `/api/v1/knowledge/search?q=${encodeURIComponent(q)}`, 'viewer-token')).json<{ results: Array<{ id: string }> }>()
        .results[0]?.id;
    expect(await first('circuit breaker')).toBe('high_error_rate');
    expect(await first('dead letter replay')).toBe('dlq_recovery');
    expect(await first('vaccum')).toBe('postgres_vacuum');

    await app.close();
    app = await startKnowledge();
    const again = (await http(app)('GET', '/api/v1/knowledge/documents?limit=500', 'viewer-token')).json<{
      documents: Array<{ id: string; version: number }>;
    }>();
    for (const doc of again.documents.filter((d) => ids.includes(d.id))) expect(doc.version).toBe(1);
  });
});
