import { FailureSpec, FakeResponse, FakeServer, RecordedRequest, retryAfterHeader } from './fake-server';

export interface TargetResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

export type TargetHandler = (request: RecordedRequest) => TargetResponse | Promise<TargetResponse>;

/** A service a runbook step calls: routes answer what a test sets with `on`, anything else 200 `{ ok: true }`. */
export class FakeHttpTarget extends FakeServer {
  private readonly routes = new Map<string, TargetHandler>();

  /** Routes are configuration, not state, so `reset()` keeps them. */
  on(method: string, path: string, handler: TargetHandler): this {
    this.routes.set(routeKey(method, path), handler);
    return this;
  }

  protected override failureResponse(failure: FailureSpec): FakeResponse {
    return { status: failure.status, body: { error: 'injected failure' }, headers: retryAfterHeader(failure) };
  }

  protected override async handle(request: RecordedRequest): Promise<FakeResponse> {
    const handler = this.routes.get(routeKey(request.method, request.path));
    const response: TargetResponse = handler ? await handler(request) : {};
    return { ...response, status: response.status ?? 200, body: 'body' in response ? response.body : { ok: true } };
  }
}

function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}
