import { CliError, EXIT } from '../errors';
import { pathSegment } from '../ids';
import { expireAll, listSilences, SilenceView } from './silence';

const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const silence = (n: number, state: SilenceView['state']): SilenceView => ({
  id: ID(n),
  matchers: ['alertname="A"'],
  startsAt: '2026-12-06T00:00:00Z',
  endsAt: '2026-12-07T00:00:00Z',
  createdBy: 'otto',
  comment: 'c',
  state,
});

describe('silence expire: every id is tried', () => {
  it('goes on past failures, reports each, and counts an already expired silence as done', async () => {
    const tried: string[] = [];
    const result = await expireAll([ID(1), 'not-an-id', ID(2), ID(3), ID(4)], async (id) => {
      pathSegment(id, 'silence');
      tried.push(id);
      if (id === ID(2)) throw new CliError('mapper answered 404 to DELETE /api/v1/silences/…: no silence', EXIT.error, 404);
      if (id === ID(3)) throw new CliError('mapper answered 409 …: has already expired', EXIT.error, 409);
    });
    expect(tried).toEqual([ID(1), ID(2), ID(3), ID(4)]);
    expect(result.expired).toEqual([ID(1), ID(3), ID(4)]);
    expect(result.failed).toEqual([
      { id: 'not-an-id', error: expect.stringContaining('is not a silence id') },
      { id: ID(2), error: expect.stringContaining('404') },
    ]);
    expect(result.stoppedBy).toBeUndefined();
  });

  it('stops at an unreachable mapper (the rest would fail the same way) and keeps what was done', async () => {
    const down = new CliError('cannot reach mapper', EXIT.unreachable);
    const result = await expireAll([ID(1), ID(2), ID(3)], async (id) => {
      if (id === ID(2)) throw down;
    });
    expect(result).toEqual({ expired: [ID(1)], failed: [], stoppedBy: down });
  });
});

describe('silence query: one listing per state', () => {
  it('asks for active and pending apart, so expired ones cannot push an old active silence out', async () => {
    const asked: string[] = [];
    const warnings: string[] = [];
    const found = await listSilences(
      ['active', 'pending'],
      async (state) => {
        asked.push(state);
        return { items: state === 'active' ? [silence(1, 'active')] : [silence(2, 'pending'), silence(3, 'expired')] };
      },
      (line) => warnings.push(line),
    );
    expect(asked).toEqual(['active', 'pending']);
    expect(found.map((s) => s.id)).toEqual([ID(1), ID(2)]);
    expect(warnings).toEqual([]);
  });

  it('warns when a state comes back with the whole 500 the mapper lists (the list may be cut)', async () => {
    const warnings: string[] = [];
    const found = await listSilences(
      ['active', 'pending'],
      async (state) => ({ items: state === 'active' ? Array.from({ length: 500 }, (_, i) => silence(i, 'active')) : [] }),
      (line) => warnings.push(line),
    );
    expect(found).toHaveLength(500);
    expect(warnings).toEqual([
      'warning: the mapper lists at most 500 active silences and gave that many; older active ones may be missing',
    ]);
  });
});
