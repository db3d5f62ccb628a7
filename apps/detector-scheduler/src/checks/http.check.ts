import { HttpDetector } from '../definitions/detector-config';
import { redactUrl, scrubUrl } from '../definitions/redact';
import { failedBodyConditions } from './body-conditions';
import { Check, CheckContext, CheckError, CheckOutcome } from './check.types';

const MAX_BODY_BYTES = 1_048_576;

async function readLimited(response: Response): Promise<{ text: string; cut: boolean }> {
  if (!response.body) return { text: '', cut: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      return { text: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'), cut: true };
    }
  }
  return { text: Buffer.concat(chunks).toString('utf8'), cut: false };
}

/** Status, latency (measured to the last byte of the body) and body conditions of one request. Value: latency in ms. */
export class HttpCheck implements Check<HttpDetector> {
  async run(detector: HttpDetector, ctx: CheckContext): Promise<CheckOutcome> {
    // Messages become alert summaries and notifications: never the URL's credentials or query values.
    const shown = `${detector.method} ${redactUrl(detector.url)}`;
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(detector.url, {
        method: detector.method,
        headers: detector.headers,
        body: detector.method === 'POST' ? detector.body : undefined,
        signal: ctx.signal,
      });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      // fetch's own messages may quote the URL (one with credentials is refused naming it): never the real one.
      const reason = scrubUrl(cause?.code ?? cause?.message ?? (error as Error).message, detector.url);
      throw new CheckError(`${shown} failed: ${reason}`);
    }
    const body = await readLimited(response);
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const extras: Record<string, unknown> = { status: response.status, latencyMs, ...(body.cut ? { bodyCut: true } : {}) };
    const problems: string[] = [];
    const accepted = detector.expect.status === undefined ? undefined : [detector.expect.status].flat();
    const statusOk = accepted ? accepted.includes(response.status) : response.status >= 200 && response.status < 300;
    if (!statusOk) problems.push(`status ${response.status}, expected ${accepted ? accepted.join(' or ') : '2xx'}`);
    if (detector.expect.maxLatency !== undefined && latencyMs > detector.expect.maxLatency)
      problems.push(`took ${latencyMs} ms, over ${detector.expect.maxLatency} ms`);
    problems.push(...failedBodyConditions(body.text, detector.expect.body));
    return {
      status: problems.length === 0 ? 'pass' : 'fail',
      value: latencyMs,
      message: problems.length === 0 ? `${shown}: ${response.status} in ${latencyMs} ms` : `${shown}: ${problems.join('; ')}`,
      extras,
    };
  }
}
