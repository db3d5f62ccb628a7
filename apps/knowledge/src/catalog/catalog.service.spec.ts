import type { Logger } from 'pino';
import { DependencyUnavailableError, type TransactionalMessaging } from '@firebreak/bus';
import type { DocumentsService } from '../documents/documents.service';
import type { KnowledgeConfig } from '../service';
import type { CatalogRepository } from './catalog.repository';
import { CatalogService } from './catalog.service';

/** The catalogue lookups of a burst of alerts: one statement, and each caller told only about the ids it asked for. */
function setUp(present: Record<string, string>) {
  const reads: string[][] = [];
  const repo = {
    present: async (ids: string[]) => {
      reads.push([...ids].sort());
      return new Map(Object.entries(present).flatMap(([id, title]) => (ids.includes(id) ? [[id, { title }]] : [])));
    },
  } as unknown as CatalogRepository;
  const service = new CatalogService(repo, {} as DocumentsService, {} as TransactionalMessaging, {} as KnowledgeConfig, {} as Logger);
  return { service, reads };
}

describe('CatalogService.known', () => {
  it("reads a turn's lookups with one statement and answers each with the present runbooks among its own ids", async () => {
    const { service, reads } = setUp({ restart_pods: 'Restart pods', roll_back: 'Roll back', clear_disk: 'Clear disk' });
    const [first, second, none] = await Promise.all([
      service.known(['restart_pods', 'deleted_one']),
      service.known(['roll_back', 'restart_pods']),
      service.known([]),
    ]);
    expect(reads).toEqual([['deleted_one', 'restart_pods', 'roll_back']]);
    expect([...first]).toEqual([['restart_pods', { title: 'Restart pods' }]]);
    expect(new Map(second)).toEqual(
      new Map([
        ['roll_back', { title: 'Roll back' }],
        ['restart_pods', { title: 'Restart pods' }],
      ]),
    );
    expect(none.size).toBe(0);
  });

  it('reads again for a later turn: a runbook deleted meanwhile is no longer named', async () => {
    const present: Record<string, string> = { restart_pods: 'Restart pods' };
    const { service, reads } = setUp(present);
    expect([...(await service.known(['restart_pods'])).keys()]).toEqual(['restart_pods']);
    delete present.restart_pods;
    expect([...(await service.known(['restart_pods'])).keys()]).toEqual([]);
    expect(reads).toHaveLength(2);
  });

  it('Postgres away is an outage to wait out (not counted against the alerts), other failures stay as they are', async () => {
    const failing = (error: Error) =>
      new CatalogService(
        { present: async () => Promise.reject(error) } as unknown as CatalogRepository,
        {} as DocumentsService,
        {} as TransactionalMessaging,
        {} as KnowledgeConfig,
        {} as Logger,
      );
    const cut = Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
    await expect(failing(cut).known(['restart_pods'])).rejects.toBeInstanceOf(DependencyUnavailableError);
    const refused = Object.assign(new Error('syntax error'), { code: '42601' });
    await expect(failing(refused).known(['restart_pods'])).rejects.toBe(refused);
  });
});
