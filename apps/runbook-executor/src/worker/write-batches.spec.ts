import { BUSY, WriteBatches } from './write-batches';

// The batching alone, on a stubbed statement: which writes go together, and what each caller is told.
interface Write {
  id: string;
  /** The stubbed statement refuses a batch holding this write. */
  refused?: boolean;
}

function batches(answer: (writes: Write[]) => Map<string, string | typeof BUSY>) {
  const sent: string[][] = [];
  const pending: Array<() => void> = [];
  /** The writes sent alone waiting for their row's lock, each until the test lets it go. */
  const waiting: Array<{ id: string; go: () => void }> = [];
  const writes = new WriteBatches<Write, string>(
    async (batch) => {
      sent.push(batch.map((write) => write.id));
      // Each statement waits until the test lets it return: what is asked for meanwhile queues.
      await new Promise<void>((resolve) => pending.push(resolve));
      if (batch.some((write) => write.refused)) throw new Error('refused');
      return answer(batch);
    },
    async (write) => {
      await new Promise<void>((go) => waiting.push({ id: write.id, go }));
      return new Map([[write.id, `waited ${write.id}`]]);
    },
  );
  const release = async () => {
    while (pending.length) pending.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { writes, sent, waiting, release };
}

const leaseHeldBy = (held: string[]) => (batch: Write[]) =>
  new Map(batch.filter((write) => held.includes(write.id)).map((write) => [write.id, `answer ${write.id}`]));

it('sends a lone write at once and the writes asked for meanwhile together, each told its own answer', async () => {
  const { writes, sent, release } = batches(leaseHeldBy(['a', 'b', 'c']));
  const results = [writes.write({ id: 'a' }), writes.write({ id: 'b' }), writes.write({ id: 'c' })];
  expect(sent).toEqual([['a']]);
  await release();
  expect(sent).toEqual([['a'], ['b', 'c']]);
  await release();
  expect(await Promise.all(results)).toEqual(['answer a', 'answer b', 'answer c']);
});

it('tells a run whose lease was elsewhere that nothing of it was written, and the others of its batch theirs', async () => {
  const { writes, release } = batches(leaseHeldBy(['a', 'c']));
  const results = [writes.write({ id: 'a' }), writes.write({ id: 'b' }), writes.write({ id: 'c' })];
  await release();
  await release();
  expect(await Promise.all(results)).toEqual(['answer a', undefined, 'answer c']);
});

it('never puts two writes of one run in one statement (one statement may not update a row twice)', async () => {
  const { writes, sent, release } = batches(leaseHeldBy(['a', 'b']));
  const results = [writes.write({ id: 'a' }), writes.write({ id: 'b' }), writes.write({ id: 'b' }), writes.write({ id: 'a' })];
  for (let round = 0; round < 4; round++) await release();
  expect(sent).toEqual([['a'], ['b', 'a'], ['b']]);
  expect(await Promise.all(results)).toEqual(['answer a', 'answer b', 'answer b', 'answer a']);
});

it('sends each write of a refused batch alone: only the write Postgres refuses fails, each other is answered once', async () => {
  const { writes, sent, release } = batches(leaseHeldBy(['a', 'b', 'c']));
  const first = writes.write({ id: 'a' });
  const results = [writes.write({ id: 'b' }), writes.write({ id: 'bad', refused: true }), writes.write({ id: 'c' })].map((result) =>
    result.then(
      (answer) => ({ answer }),
      (error: Error) => ({ error: error.message }),
    ),
  );
  for (let round = 0; round < 3; round++) await release();
  expect(sent).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
  expect(await first).toBe('answer a');
  expect(await Promise.all(results)).toEqual([{ answer: 'answer b' }, { error: 'refused' }, { answer: 'answer c' }]);
});

it('writes a run whose row was locked elsewhere again alone, waiting for the lock outside the slot: the next batch goes meanwhile', async () => {
  const { writes, sent, waiting, release } = batches(
    (batch) => new Map(batch.map((write) => [write.id, write.id === 'x' ? BUSY : `answer ${write.id}`])),
  );
  const first = [writes.write({ id: 'a' }), writes.write({ id: 'x' }), writes.write({ id: 'y' })];
  await release();
  await release();
  expect(sent).toEqual([['a'], ['x', 'y']]);
  expect(waiting.map((w) => w.id)).toEqual(['x']);
  // x waits for its lock; z does not wait for x.
  const z = writes.write({ id: 'z' });
  expect(sent).toEqual([['a'], ['x', 'y'], ['z']]);
  await release();
  expect(await z).toBe('answer z');
  waiting.shift()!.go();
  expect(await Promise.all(first)).toEqual(['answer a', 'waited x', 'answer y']);
});

it('sends at most two busy writes waiting for their locks at once (each holds a pooled connection); the others wait their turn', async () => {
  const { writes, waiting, release } = batches((batch) => new Map(batch.map((write) => [write.id, BUSY])));
  const all = [writes.write({ id: 'p' }), writes.write({ id: 'q' }), writes.write({ id: 'r' }), writes.write({ id: 's' })];
  await release();
  await release();
  expect(waiting.map((w) => w.id)).toEqual(['p', 'q']);
  waiting.shift()!.go();
  await new Promise((resolve) => setImmediate(resolve));
  expect(waiting.map((w) => w.id)).toEqual(['q', 'r']);
  for (let turn = 0; turn < 3; turn++) {
    waiting.shift()!.go();
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(await Promise.all(all)).toEqual(['waited p', 'waited q', 'waited r', 'waited s']);
});
