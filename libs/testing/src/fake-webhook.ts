import { FailureSpec, FakeResponse, FakeServer, RecordedRequest, retryAfterHeader } from './fake-server';

/** A generic webhook receiver: any POST is recorded and answered 200 `{ ok: true }`. */
export class FakeWebhook extends FakeServer {
  /** Parsed JSON bodies of the accepted POSTs. */
  get bodies(): unknown[] {
    return this.successfulRequests.map((r) => r.body);
  }

  protected override failureResponse(failure: FailureSpec): FakeResponse {
    const error = failure.status === 429 ? 'rate limited' : 'internal error';
    return { status: failure.status, body: { ok: false, error }, headers: retryAfterHeader(failure) };
  }

  protected override handle(request: RecordedRequest): FakeResponse {
    if (request.method !== 'POST') return { status: 405, body: { ok: false, error: 'method not allowed' } };
    return { status: 200, body: { ok: true } };
  }
}
