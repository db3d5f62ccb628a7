/**
 * A bus message as one Server-Sent Event: `id` the CloudEvent's id, `event` the contract subject, `data`
 * the CloudEvent on one line. A payload that is not a CloudEvent gives no event (nothing to show for it).
 */
export function sseEvent(subject: string, payload: string): string | undefined {
  let event: unknown;
  try {
    event = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof event !== 'object' || event === null) return undefined;
  const id = (event as { id?: unknown }).id;
  if (typeof id !== 'string' || id.length === 0) return undefined;
  // JSON.stringify escapes line breaks inside strings, so the data is one line; the id and subject
  // have them removed, as a line break there would end the field early.
  return `id: ${oneLine(id)}\nevent: ${oneLine(subject)}\ndata: ${JSON.stringify(event)}\n\n`;
}

export const KEEP_ALIVE = ': keep-alive\n\n';

const oneLine = (text: string) => text.replace(/[\r\n]/g, ' ');
