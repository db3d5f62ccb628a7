import { Runbook } from '../definitions/runbook.schema';
import { PROSE_CAP, startupEvent, storedChangeEvent } from './catalog-events';
import { LoadedRunbook } from './runbook-loader';

const runbook = (title = 'Check up') =>
  ({ id: 'checkup', title, description: 'd', severity: 'warning', tags: ['a'], steps: [] }) as unknown as Runbook;
const file = (title?: string, prose: string | null = '# prose'): LoadedRunbook => ({
  runbook: runbook(title),
  file: '/runbooks/checkup.yaml',
  prose,
  source: 'file',
  version: 0,
});
const at = new Date('2026-12-06T10:00:00Z');
const later = new Date('2026-12-07T10:00:00Z');

describe('the start-up announcement of a file', () => {
  it('has the same id for the same content at any time (a restart does not flood), another for changed content', () => {
    expect(startupEvent(file(), at, 0).id).toBe(startupEvent(file(), later, 0).id);
    expect(startupEvent(file('Check up, changed'), at, 0).id).not.toBe(startupEvent(file(), at, 0).id);
    expect(startupEvent(file(undefined, '# other prose'), at, 0).id).not.toBe(startupEvent(file(), at, 0).id);
    expect(startupEvent(file(), at, 0).data).toEqual({
      runbookId: 'checkup',
      action: 'upserted',
      source: 'file',
      version: 0,
      at: at.toISOString(),
      title: 'Check up',
      description: 'd',
      severity: 'warning',
      tags: ['a'],
      prose: '# prose',
    });
  });

  it("carries the id's current stored sequence (a tombstone's), and a new id with it", () => {
    expect(startupEvent(file(), at, 4).data).toMatchObject({ source: 'file', version: 4 });
    expect(startupEvent(file(), at, 4).id).toBe(startupEvent(file(), later, 4).id);
    expect(startupEvent(file(), at, 4).id).not.toBe(startupEvent(file(), at, 0).id);
  });

  it('caps a long prose at the contract limit, saying so', () => {
    const prose = startupEvent(file(undefined, 'x'.repeat(PROSE_CAP * 2)), at, 0).data.prose!;
    expect(prose.length <= PROSE_CAP && prose.length > PROSE_CAP - 20).toBe(true);
    expect(prose.endsWith('… [truncated]')).toBe(true);
  });
});

describe('the event of a stored version', () => {
  const stored: LoadedRunbook = { ...file(), source: 'api', version: 3, stored: { by: 'ada', at } };

  it('is one id per runbook and version: the PUT and a later start-up re-announcement share it', () => {
    const put = storedChangeEvent({ runbookId: 'checkup', version: 3, changedBy: 'ada', at }, stored);
    expect(startupEvent(stored, later, 3).id).toBe(put.id);
    expect(put.data).toMatchObject({ action: 'upserted', source: 'api', version: 3, changedBy: 'ada', at: at.toISOString() });
    expect(storedChangeEvent({ runbookId: 'checkup', version: 4, changedBy: 'ada', at }, stored).id).not.toBe(put.id);
  });

  it("a deletion announces what is in force afterwards, the file again or nothing, with the tombstone's version", () => {
    expect(storedChangeEvent({ runbookId: 'checkup', version: 4, changedBy: 'ada', at }, file()).data).toMatchObject({
      action: 'upserted',
      source: 'file',
      version: 4,
      changedBy: 'ada',
      prose: '# prose',
    });
    expect(storedChangeEvent({ runbookId: 'checkup', version: 4, changedBy: 'ada', at }, undefined).data).toEqual({
      runbookId: 'checkup',
      action: 'deleted',
      source: 'api',
      version: 4,
      tags: [],
      changedBy: 'ada',
      at: at.toISOString(),
    });
  });
});
