import { AckBatch } from './ack-batch';

function message(name: string, log: string[], fail?: Error) {
  return {
    ack() {
      log.push(name);
      if (fail) throw fail;
    },
  };
}

const afterMicrotasks = async (count: number) => {
  for (let step = 0; step < count; step++) await Promise.resolve();
};
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('AckBatch', () => {
  it('sends the acks of one turn together, each once, in order, and answers each only after its ack was sent', async () => {
    const log: string[] = [];
    const batch = new AckBatch();
    const answered: string[] = [];
    // Handlers end in microtasks of their own: the acks still go out in one run, after the last of them.
    const waits = ['a', 'b', 'c'].map(async (name, index) => {
      await afterMicrotasks(index * 3);
      await batch.ack(message(name, log));
      answered.push(`${name} after ${log.length} acks`);
    });
    await Promise.resolve();
    expect(log).toEqual([]);
    await Promise.all(waits);
    expect(log).toEqual(['a', 'b', 'c']);
    expect(answered).toEqual(['a after 3 acks', 'b after 3 acks', 'c after 3 acks']);
  });

  it('starts a new batch for the acks of a later turn', async () => {
    const log: string[] = [];
    const batch = new AckBatch();
    await batch.ack(message('a', log));
    await nextTurn();
    await Promise.all([batch.ack(message('b', log)), batch.ack(message('c', log))]);
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it("rejects only the waiter whose ack threw; the batch's other acks are still sent", async () => {
    const log: string[] = [];
    const closed = new Error('connection closed');
    const batch = new AckBatch();
    const outcomes = await Promise.allSettled([
      batch.ack(message('a', log)),
      batch.ack(message('b', log, closed)),
      batch.ack(message('c', log)),
    ]);
    expect(log).toEqual(['a', 'b', 'c']);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: undefined },
      { status: 'rejected', reason: closed },
      { status: 'fulfilled', value: undefined },
    ]);
  });
});
