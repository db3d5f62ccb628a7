import { PublishedDeletes } from './published-deletes';

/** A write that holds each statement until the test lets it finish, recording what each one deleted. */
function heldWrites() {
  const statements: string[][] = [];
  const finish: Array<(error?: Error) => void> = [];
  const write = (ids: string[]) =>
    new Promise<void>((resolve, reject) => {
      statements.push(ids);
      finish.push((error) => (error ? reject(error) : resolve()));
    });
  return { statements, finish, write };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('PublishedDeletes', () => {
  it('deletes in one statement the ids of every transaction that publishes while a statement runs', async () => {
    const { statements, finish, write } = heldWrites();
    const deletes = new PublishedDeletes(write);
    const first = deletes.delete(['a1', 'a2']);
    await tick();
    const second = deletes.delete(['b1']);
    const third = deletes.delete(['c1', 'c2']);
    expect(statements).toEqual([['a1', 'a2']]);

    finish[0]();
    await first;
    await tick();
    expect(statements).toEqual([
      ['a1', 'a2'],
      ['b1', 'c1', 'c2'],
    ]);
    finish[1]();
    await expect(Promise.all([second, third])).resolves.toEqual([undefined, undefined]);
    await deletes.idle();
  });

  it('shares one statement among the deletes asked for in the same tick', async () => {
    const { statements, finish, write } = heldWrites();
    const deletes = new PublishedDeletes(write);
    const pending = [deletes.delete(['a']), deletes.delete(['b']), deletes.delete(['c'])];
    await tick();
    expect(statements).toEqual([['a', 'b', 'c']]);
    finish[0]();
    await Promise.all(pending);
  });

  it('fails only the deletes of the failed statement, and writes the ones after it', async () => {
    const { statements, finish, write } = heldWrites();
    const deletes = new PublishedDeletes(write);
    const lost = deletes.delete(['a']);
    await tick();
    const later = deletes.delete(['b']);
    finish[0](new Error('connection reset'));
    await expect(lost).rejects.toThrow('connection reset');
    await tick();
    expect(statements).toEqual([['a'], ['b']]);
    finish[1]();
    await expect(later).resolves.toBeUndefined();
  });

  it('lets shutdown wait for the statements in flight', async () => {
    const { finish, write } = heldWrites();
    const deletes = new PublishedDeletes(write);
    void deletes.delete(['a']);
    let idle = false;
    const waiting = deletes.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    finish[0]();
    await waiting;
    expect(idle).toBe(true);
  });
});
