/** Reads at most `max` bytes of a body; leaving early destroys the stream, so the rest is discarded, not buffered. */
export async function readLimited(body: AsyncIterable<Buffer>, max: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const room = max - size;
    if (chunk.byteLength > room) {
      chunks.push(chunk.subarray(0, room));
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

export function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
