import pino from 'pino';
import { FakeClock } from '@firebreak/testing';
import { Channel } from '../channel-config/channel-set';
import { ChannelLoop } from './channel-loop';
import { DeliveryDispatcher } from './delivery-dispatcher';

type Round = Awaited<ReturnType<DeliveryDispatcher['round']>>;

const POLL_MS = 60_000;
const channel = { name: 'team-slack', config: { concurrency: 4 } } as Channel;

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A dispatcher that answers each round from a script; once the script is done, every round finds nothing due. */
function scriptedDispatcher(script: Array<Round | Promise<Round>>) {
  const calls = { rounds: 0 };
  const slotsAsked: number[] = [];
  const busy: boolean[] = [];
  const dispatcher = {
    round: async (_channel: Channel, slots: number, options: { busy: boolean }) => {
      calls.rounds++;
      slotsAsked.push(slots);
      busy.push(options.busy);
      return (await script.shift()) ?? { waitMs: POLL_MS };
    },
  } as unknown as DeliveryDispatcher;
  return { dispatcher, calls, slotsAsked, busy };
}

describe('channel loop', () => {
  const logger = pino({ level: 'silent' });
  let clock: FakeClock;
  let loop: ChannelLoop | undefined;
  beforeEach(() => (clock = new FakeClock()));
  const startLoop = (dispatcher: DeliveryDispatcher) => {
    loop = new ChannelLoop(channel, dispatcher, clock, POLL_MS, logger);
    loop.start();
    return loop;
  };

  afterEach(async () => {
    await loop?.stop();
    loop = undefined;
  });

  it('runs rounds back to back while there may be more, then leaves the wait to the poll interval', async () => {
    const { dispatcher, calls } = scriptedDispatcher([{ waitMs: 0 }, { waitMs: 0 }, { waitMs: POLL_MS }]);
    startLoop(dispatcher);
    await flush();
    expect(calls.rounds).toBe(3);
    expect(clock.sleeps).toEqual([]);
  });

  it('waits out a hint shorter than the poll interval on the clock, then goes on', async () => {
    const { dispatcher, calls } = scriptedDispatcher([{ waitMs: 30 }]);
    startLoop(dispatcher);
    await flush();
    expect([calls.rounds, clock.sleeps]).toEqual([1, [30]]);
    await clock.advance(30);
    await flush();
    expect(calls.rounds).toBe(2);
  });

  it('starts a round at once when woken, whether idle, waiting out a hint or in a round', async () => {
    const inRound = deferred<Round>();
    const { dispatcher, calls } = scriptedDispatcher([{ waitMs: POLL_MS }, { waitMs: 30 }, inRound.promise]);
    const started = startLoop(dispatcher);
    await flush();
    expect(calls.rounds).toBe(1);
    started.wake();
    await flush();
    expect(calls.rounds).toBe(2);
    started.wake();
    await flush();
    expect(calls.rounds).toBe(3);
    started.wake();
    inRound.resolve({ waitMs: POLL_MS });
    await flush();
    expect(calls.rounds).toBe(4);
  });

  it("keeps at most the channel's concurrency of sends on the wire, claims only free slots, and stop waits for them", async () => {
    const sends = Array.from({ length: 5 }, () => deferred());
    const { dispatcher, calls, slotsAsked } = scriptedDispatcher([
      { waitMs: 0, sends: [sends[0].promise, sends[1].promise, sends[2].promise] },
      { waitMs: 0, sends: [sends[3].promise, sends[4].promise] },
    ]);
    const started = startLoop(dispatcher);
    await flush();
    // Draining, one free slot of four is not enough for a round: it waits for half of them.
    expect([calls.rounds, slotsAsked]).toEqual([1, [4]]);
    sends[0].resolve();
    await flush();
    expect([calls.rounds, slotsAsked]).toEqual([2, [4, 2]]);
    sends[1].resolve();
    await flush();
    expect(calls.rounds).toBe(2);
    let stopped = false;
    const stopping = started.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false);
    sends.forEach((send) => send.resolve());
    await stopping;
    expect(calls.rounds).toBe(2);
  });

  it('tells the dispatcher a round follows one that claimed something, so it can skip the look for due rows', async () => {
    const send = deferred();
    const { dispatcher, busy } = scriptedDispatcher([{ waitMs: 0, sends: [send.promise] }, { waitMs: 0 }, { waitMs: POLL_MS }]);
    startLoop(dispatcher);
    await flush();
    expect(busy).toEqual([false, true, false]);
    send.resolve();
  });
});
