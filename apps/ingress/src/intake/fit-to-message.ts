import { AlertReceived } from '@firebreak/contracts';

// The CloudEvent envelope around the data (id, source, type, time, subject) and the batch around an
// alert (its id, the `alerts` array): a few hundred bytes.
export const ENVELOPE_ROOM_BYTES = 2_048;
const MARK = 'firebreak_truncated';
const CUT = '… [cut by Firebreak to fit one NATS message]';

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * An alert whose event would not fit in one NATS message keeps its labels (they are its identity)
 * and has its annotations (free text) cut, longest first, until it fits, marked with a
 * `firebreak_truncated` annotation; so one huge description never costs the rest of its group.
 * Null when even its labels do not fit.
 */
export function fitToMessage(received: AlertReceived, maxEventBytes: number): { received: AlertReceived; cut: boolean } | null {
  const budget = maxEventBytes - ENVELOPE_ROOM_BYTES;
  if (bytesOf(received) <= budget) return { received, cut: false };
  const annotations: Record<string, string> = { ...received.alert.annotations, [MARK]: 'annotations were cut to fit one NATS message' };
  const fitted = () => ({ ...received, alert: { ...received.alert, annotations } });
  for (let round = 0; round < 64; round++) {
    const excess = bytesOf(fitted()) - budget;
    if (excess <= 0) return { received: fitted(), cut: true };
    const [name, value] = Object.entries(annotations)
      .filter(([key]) => key !== MARK)
      .sort(([, a], [, b]) => b.length - a.length)[0] ?? ['', ''];
    if (!value) return null;
    // Characters, not bytes, are cut; JSON escapes can make one character several bytes, hence the loop.
    annotations[name] = value.length > excess + CUT.length ? value.slice(0, value.length - excess - CUT.length) + CUT : '';
  }
  return null;
}
