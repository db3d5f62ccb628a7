import { getToken, signOutEverywhere } from '../auth/token';

/** The services the console forwards to (`/api/<service>/…` → that service's `/api/…`), and its own API. */
export type Service =
  'console' | 'ingress' | 'mapper' | 'runbook-executor' | 'detector-scheduler' | 'notifier' | 'slo-reporter' | 'knowledge';

/** An answer that was not 2xx, with the API's `{ error: { code, message, details } }` when it gave one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | undefined | Array<string | number>>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

export function apiUrl(service: Service, path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === '') continue;
    for (const one of Array.isArray(value) ? value : [value]) params.append(key, String(one));
  }
  const search = params.toString();
  return `/api/${service}${path.startsWith('/') ? path : `/${path}`}${search ? `?${search}` : ''}`;
}

/**
 * Calls a public API through the console with the signed-in token. `path` is what follows `/api` on the
 * service (`/v1/alerts`), or the console's own path (`/session`).
 */
export async function api<T>(service: Service, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(apiUrl(service, path, options.query), {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  const text = await response.text();
  const json = text ? parseJson(text) : undefined;
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    // A token the services no longer accept: back to the sign-in form rather than a page of errors.
    if (response.status === 401 && service === 'console') signOutEverywhere();
    throw new ApiError(response.status, error?.code ?? `http_${response.status}`, error?.message ?? response.statusText, error?.details);
  }
  return json as T;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What to show for a failed call: the API's own message, which names the field or the missing role. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.status})`;
  return error instanceof Error ? error.message : String(error);
}
