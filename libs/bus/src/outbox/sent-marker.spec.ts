import { SentMarker } from './sent-marker';

/** A write that holds each statement until the test lets it finish, recording what each one marked. */
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

describe('SentMarker', () => {
  it('marks in one statement the ids of every transaction that publishes while a statement runs', async () => {
    const { statements, finish, write } = heldWrites();
    const marker = new SentMarker(write);
    const first = marker.mark(['a1', 'a2']);
    await tick();
    const second = marker.mark(['b1']);
    const third = marker.mark(['c1', 'c2']);
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
    await marker.idle();
  });

  it('shares one statement among the marks asked for in the same tick', async () => {
    const { statements, finish, write } = heldWrites();
    const marker = new SentMarker(write);
    const marks = [marker.mark(['a']), marker.mark(['b']), marker.mark(['c'])];
    await tick();
    expect(statements).toEqual([['a', 'b', 'c']]);
    finish[0]();
    await Promise.all(marks);
  });

  it('fails only the marks of the failed statement, and writes the ones after it', async () => {
    const { statements, finish, write } = heldWrites();
    const marker = new SentMarker(write);
    const lost = marker.mark(['a']);
    await tick();
    const later = marker.mark(['b']);
    finish[0](new Error('connection reset'));
    await expect(lost).rejects.toThrow('connection reset');
    await tick();
    expect(statements).toEqual([['a'], ['b']]);
    finish[1]();
    await expect(later).resolves.toBeUndefined();
  });

  it('lets shutdown wait for the statements in flight', async () => {
    const { finish, write } = heldWrites();
    const marker = new SentMarker(write);
    void marker.mark(['a']);
    let idle = false;
    const waiting = marker.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    finish[0]();
    await waiting;
    expect(idle).toBe(true);
  });
});
