import { CliError } from './errors';
import { collectPages, MAX_PAGE, Page } from './paging';

/** A listing of `total` numbers served in pages, as the services' cursor APIs do; records what was asked. */
function listing(total: number, cursorFor: (next: number) => string = String) {
  const asked: Array<{ cursor: string | undefined; size: number }> = [];
  const fetchPage = async (cursor: string | undefined, size: number): Promise<Page<number>> => {
    asked.push({ cursor, size });
    const from = cursor === undefined ? 0 : Number(cursor.replace(/\D/g, ''));
    const items = Array.from({ length: Math.max(0, Math.min(size, total - from)) }, (_, i) => from + i);
    return { items, nextCursor: from + items.length < total ? cursorFor(from + items.length) : null };
  };
  return { asked, fetchPage };
}

describe('collectPages', () => {
  it('follows nextCursor past one page up to the limit, asking only for what is still needed', async () => {
    const { asked, fetchPage } = listing(2_000);
    const items = await collectPages('executions', fetchPage, 1_200);
    expect(items).toHaveLength(1_200);
    expect(items.at(-1)).toBe(1_199);
    expect(asked).toEqual([
      { cursor: undefined, size: MAX_PAGE },
      { cursor: '500', size: MAX_PAGE },
      { cursor: '1000', size: 200 },
    ]);
  });

  it('stops at the end of the listing', async () => {
    const { asked, fetchPage } = listing(30);
    expect(await collectPages('executions', fetchPage, 1_000)).toHaveLength(30);
    expect(asked).toHaveLength(1);
  });

  it('filters here with full pages until enough are kept', async () => {
    const { fetchPage } = listing(3_000);
    const even = await collectPages('alerts', fetchPage, 600, (n) => n % 2 === 0);
    expect(even).toHaveLength(600);
    expect(even.at(-1)).toBe(1_198);
  });

  it('ends with an error when a cursor comes back twice', async () => {
    const stuck = async (): Promise<Page<number>> => ({ items: [1], nextCursor: 'same' });
    await expect(collectPages('executions', stuck, 10)).rejects.toThrow(CliError);
    await expect(collectPages('executions', stuck, 10)).rejects.toThrow('executions gave the same page cursor twice; stopped after 2');
  });
});
