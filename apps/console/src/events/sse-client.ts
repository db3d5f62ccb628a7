import type { ServerResponse } from 'node:http';

/** Unread bytes in the console's buffer (beyond the kernel's) past which a client is behind. */
export const BEHIND_BYTES = 1_048_576;
/** A client still behind this long after falling behind is not reading: it is dropped. */
export const BEHIND_GRACE_MS = 5_000;
/** Past this a client is dropped at once: a burst may go past BEHIND_BYTES, memory must stay bounded. */
export const MAX_UNREAD_BYTES = 4 * BEHIND_BYTES;

/** One open stream: writes never block, and what a client leaves unread never grows without bound. */
export class SseClient {
  private closed = false;
  private behindTimer?: NodeJS.Timeout;

  constructor(
    private readonly response: ServerResponse,
    private readonly onClose: (client: SseClient) => void,
  ) {
    response.on('close', () => this.close());
    response.on('drain', () => this.caughtUp());
  }

  /** Sends a chunk; a client that stopped reading is dropped rather than buffered for. */
  write(chunk: string): void {
    if (this.closed) return;
    this.response.write(chunk);
    const unread = this.response.writableLength;
    if (unread > MAX_UNREAD_BYTES) return this.close();
    // A reader that keeps up drains a burst within the grace; one that does not read never does.
    if (unread > BEHIND_BYTES && !this.behindTimer) this.behindTimer = setTimeout(() => this.close(), BEHIND_GRACE_MS);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.caughtUp();
    this.onClose(this);
    // destroy, not end: end() would wait for the unread bytes to drain, which a stuck reader never does.
    this.response.destroy();
  }

  private caughtUp(): void {
    clearTimeout(this.behindTimer);
    this.behindTimer = undefined;
  }
}
