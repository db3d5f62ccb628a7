import { ServiceName, ToolSettings } from './settings';

/** A failure the tool reports as one line (service, URL, what to do), never as a stack trace. */
export class ToolError extends Error {}

const TIMEOUT_MS = 30_000;

/** The services' public REST APIs, with the caller's token; every failure is a ToolError naming the service and URL. */
export class ApiClient {
  constructor(private readonly settings: ToolSettings) {}

  url(service: ServiceName): string {
    return this.settings.urls[service];
  }

  get<T>(service: ServiceName, path: string): Promise<T> {
    return this.request<T>(service, 'GET', path);
  }

  put<T>(service: ServiceName, path: string, body: unknown): Promise<T> {
    return this.request<T>(service, 'PUT', path, body);
  }

  post<T>(service: ServiceName, path: string, body: unknown): Promise<T> {
    return this.request<T>(service, 'POST', path, body);
  }

  /** GET that answers undefined for a 404 (the thing is not there). */
  async find<T>(service: ServiceName, path: string): Promise<T | undefined> {
    return this.request<T>(service, 'GET', path, undefined, true);
  }

  private async request<T>(service: ServiceName, method: string, path: string, body?: unknown, notFoundIsEmpty = false): Promise<T> {
    const url = `${this.settings.urls[service]}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.settings.token) headers.authorization = `Bearer ${this.settings.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new ToolError(`${service} is unreachable at ${this.settings.urls[service]} (${networkReason(error)})`);
    }
    if (notFoundIsEmpty && response.status === 404) return undefined as T;
    const text = await response.text();
    if (response.status === 401)
      throw new ToolError(
        `${service} at ${this.settings.urls[service]} refused the token (401); the token came from ${this.settings.tokenFrom}`,
      );
    if (response.status === 403)
      throw new ToolError(
        `${service} at ${this.settings.urls[service]} needs a token with more rights for ${method} ${path.split('?')[0]} (403)`,
      );
    if (!response.ok)
      throw new ToolError(
        `${service} at ${this.settings.urls[service]} answered ${response.status} to ${method} ${path.split('?')[0]}: ${errorText(text)}`,
      );
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new ToolError(
        `${service} at ${this.settings.urls[service]} answered ${method} ${path.split('?')[0]} with something that is not JSON`,
      );
    }
  }
}

function networkReason(error: unknown): string {
  const err = error as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (err.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  return err.cause?.code ?? err.cause?.message ?? err.message ?? 'network error';
}

/** The service's own error message, on one short line. */
function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: { message?: unknown } };
    const message = parsed.message ?? parsed.error?.message;
    if (typeof message === 'string') return oneLine(message);
  } catch {
    // not JSON: the text itself
  }
  return oneLine(body) || '(no body)';
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 300);
