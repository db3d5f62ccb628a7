import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { uniqueTestId } from '@firebreak/testing';
import { BusProbe, closeInstallation, runbooksDir, startKnowledge, useInstallation } from '../testing/knowledge-harness';
import { addFillerWriteups, scans, SEARCH_CORPUS } from '../testing/search-corpus';
import { SearchFilter, SearchRepository } from './search.repository';
import { SearchService } from './search.service';

const ID = uniqueTestId('kn_alert_search');

/** Alertnames and label text that must stay data: SQL quoting, LIKE wildcards, regex and websearch syntax, length. */
const HOSTILE = [
  `O'Brien "quoted" \\back\\slash\\`,
  '100% _under_ %',
  '.*+?^${}()|[]\\d (a|b)* [^x]',
  "'; DROP TABLE documents; --",
  '"unterminated -not or & | ! <-> :*',
  `${'Long'.repeat(2500)} restart`,
  'ünïcödé 漢字 🚨',
];
/** Alertnames a hostile one would catch were it a LIKE pattern or a regex, not a value. */
const NEAR_MISSES = ['100X xunderx Z', '.x+?^${}()|[]\\d (a|b)* [^x]', "'; DROP TABLE documents; -- and more", 'LongLong'];

/** An alert's two searches as FindingsService asks them: runbook prose, and documents with its own write-ups. */
function alertSearches(alertname: string): Array<{ text: string; filter: SearchFilter }> {
  const text = `${alertname} critical shop api circuit breaker restart ${alertname} on 10.0.0.1:9100 The service misbehaves`;
  return [
    { text, filter: { sources: ['runbook'], limit: 20 } },
    { text, filter: { limit: 10, incidentsOf: alertname } },
  ];
}

/** The statements sent to Postgres while `work` runs. */
async function statementsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const statements: string[] = [];
  const original = Client.prototype.query;
  const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
    statements.push(String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as never);
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return statements.filter((sql) => sql.includes('websearch_to_tsquery') || sql.includes('word_similarity_threshold'));
}

/** An alert's searches (text made of its name and labels): one statement for those asked together, hits as alone. */
describe('knowledge alert searches (real Postgres)', () => {
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let service: SearchService;
  let repo: SearchRepository;

  beforeAll(async () => {
    bus = await useInstallation(ID, { runbooksDir: runbooksDir(SEARCH_CORPUS) });
    app = await startKnowledge();
    service = app.get(SearchService);
    repo = app.get(SearchRepository);
    // Write-ups of the hostile alertnames and of names a pattern would confuse with them, their text in the body.
    const names = [...HOSTILE, ...NEAR_MISSES, 'HighErrorRate'];
    for (let i = 0; i < names.length * 3; i++) {
      const alertname = names[i % names.length];
      await app.get(DataSource).query(
        `INSERT INTO "${ID}".documents (id, title, type, severity, tags, tags_text, metadata, body, source, created_at, updated_at)
         VALUES ($1, $2, 'dynamic', 'critical', ARRAY['incident', $3], 'incident ' || $3, jsonb_build_object('alertname', $3::text),
                 $4, 'incident', now(), now() - make_interval(mins => $5))`,
        [`incident-${i}`, `Incident: ${alertname.slice(0, 200)}`, alertname, `${alertname} critical shop api restart ${i}`, i % 4],
      );
    }
  });

  afterAll(async () => {
    await closeInstallation(ID, app, bus);
  });

  it("searches an alert's text in one statement, without the typo threshold (it reads no typos), finding what the transaction did", async () => {
    let hits: Awaited<ReturnType<SearchService['related']>> = [];
    const statements = await statementsDuring(async () => {
      hits = await service.related('HighErrorRate job api circuit breaker', { sources: ['runbook'], limit: 20 });
    });
    expect(hits[0]?.id).toBe('high_error_rate');
    expect(statements).toHaveLength(1);
    expect(statements[0]).not.toContain('word_similarity_threshold');
  });

  it('runs the searches asked together as one statement, each answered as it is alone', async () => {
    const searches = HOSTILE.flatMap(alertSearches);
    const alone: unknown[] = [];
    for (const s of searches) alone.push(await service.related(s.text, s.filter));
    let together: unknown[] = [];
    const statements = await statementsDuring(async () => {
      together = await Promise.all(searches.map((s) => service.related(s.text, s.filter)));
    });
    expect(statements).toHaveLength(1);
    expect(together).toEqual(alone);
  });

  it('answers each of a batch with exactly the rows of its own statement, hostile text staying data', async () => {
    // Raw text, as the repository takes it (the service keeps only words; the repository must not rely on that).
    const searches = [...HOSTILE, ...NEAR_MISSES].flatMap((name) => [
      { query: name, filter: { limit: 10, incidentsOf: name } },
      { query: `${name} critical shop`, filter: { sources: ['runbook', 'incident'], limit: 20 } },
      { query: `${name} restart`, filter: { tags: ['incident', name], type: 'dynamic' as const, severity: 'critical', limit: 5 } },
    ]);
    const alone = [];
    for (const s of searches) alone.push(await repo.search(s.query, s.filter, 'any'));
    expect(await repo.searchMany(searches)).toEqual(alone);
    // The write-ups found for a hostile alertname are its own: no pattern matched a near miss.
    for (const [index, name] of HOSTILE.entries()) {
      const incidents = alone[index * 3].filter((row) => row.source === 'incident');
      expect(incidents.length).toBeGreaterThan(0);
      expect(incidents.every((row) => row.metadata.alertname === name)).toBe(true);
    }
    const [{ n }] = await app.get(DataSource).query(`SELECT count(*)::int AS n FROM "${ID}".documents`);
    expect(n).toBeGreaterThan(0);
  });

  it('fails only the search Postgres refuses; the others of its batch are answered as alone', async () => {
    const good = [...alertSearches('HighErrorRate'), ...alertSearches(HOSTILE[0])];
    const alone: unknown[] = [];
    for (const s of good) alone.push(await service.related(s.text, s.filter));
    // A NUL is no text Postgres stores: its statement, alone or batched, is refused.
    const refused = { text: 'HighErrorRate restart', filter: { limit: 10, incidentsOf: 'High\u0000ErrorRate' } };
    const outcomes = await Promise.allSettled([good[0], good[1], refused, good[2], good[3]].map((s) => service.related(s.text, s.filter)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value)).toEqual(alone);
  });

  describe('with a few thousand write-ups', () => {
    beforeAll(async () => {
      await addFillerWriteups(ID, 4000);
    });

    it("finds an alert's candidates through the full-text index, alone and in a batch", async () => {
      const one = scans(await repo.plan('HighErrorRate job api production', { limit: 10, incidentsOf: 'HighErrorRate' }, 'any'));
      const many = scans(
        await repo.planMany(
          ['HighErrorRate', 'Alert7', ...HOSTILE].flatMap((name) => alertSearches(name).map((s) => ({ query: s.text, filter: s.filter }))),
        ),
      );
      for (const nodes of [one, many]) {
        expect(nodes.filter((n) => n.type === 'Seq Scan' && n.relation === 'documents')).toEqual([]);
        expect(nodes.map((n) => n.index)).toContain('documents_search');
      }
    });
  });
});
