import { CountingReceiver } from './receiver';
import type { ChaosResult, FaultRecord } from './storm';

/** Deliveries beyond each alert's first, by kind, by idempotency key, and by the fault under way when they went out. */
export function duplicates(receiver: CountingReceiver, faults: FaultRecord[], began: number): ChaosResult['duplicated'] {
  const result: ChaosResult['duplicated'] = {
    firing: 0,
    resolved: 0,
    total: 0,
    sameIdempotencyKey: 0,
    otherIdempotencyKey: 0,
    byFault: {},
  };
  for (const [id, list] of receiver.deliveries) {
    if (list.length < 2) continue;
    const kind = id.split(' ')[1];
    const extra = list.length - 1;
    if (kind === 'firing' || kind === 'resolved') result[kind] += extra;
    result.total += extra;
    for (const repeat of list.slice(1)) {
      if (repeat.idempotencyKey !== undefined && repeat.idempotencyKey === list[0].idempotencyKey) result.sameIdempotencyKey++;
      else result.otherIdempotencyKey++;
    }
    const firstAt = list[0].at - began;
    // A send cut off by a kill went out just before it; else the fault under way when it went out.
    const fault =
      faults.find((f) => f.atMs >= firstAt && f.atMs - firstAt <= 2_000) ??
      faults.filter((f) => f.atMs <= firstAt && firstAt <= f.recoveredMs).pop();
    const name = fault ? `${fault.phase}: ${fault.name}` : 'none';
    result.byFault[name] = (result.byFault[name] ?? 0) + extra;
  }
  return result;
}
