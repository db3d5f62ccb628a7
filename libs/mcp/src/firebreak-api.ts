/** The services whose public APIs the MCP tools read and act through. */
export const API_SERVICES = ['mapper', 'runbook-executor', 'knowledge', 'slo-reporter', 'detector-scheduler', 'notifier'] as const;
export type ApiService = (typeof API_SERVICES)[number];

export interface ApiRequest {
  method?: 'GET' | 'POST';
  query?: Record<string, string | number | undefined | string[]>;
  body?: unknown;
}

/**
 * How the MCP server reaches Firebreak: the CLI's `firebreak mcp` and the console's `/mcp` both call the
 * services' public REST APIs with the caller's own token, so the services decide (roles) and audit as for
 * any other client; the MCP server holds no power of its own.
 */
export interface FirebreakApi {
  call<T = unknown>(service: ApiService, path: string, request?: ApiRequest): Promise<T>;
}

/** A non-2xx answer, or no answer: the message is what the tool reports back to the model. */
export class FirebreakApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface HttpApiOptions {
  urls: Record<ApiService, string>;
  token: string | undefined;
  timeoutMs?: number;
}

export function httpFirebreakApi(options: HttpApiOptions): FirebreakApi {
  return {
    async call<T>(service: ApiService, path: string, request: ApiRequest = {}): Promise<T> {
      const url = new URL(`${options.urls[service].replace(/\/+$/, '')}/api${path}`);
      for (const [key, value] of Object.entries(request.query ?? {})) {
        if (value === undefined || value === '') continue;
        for (const one of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(one));
      }
      const headers: Record<string, string> = { accept: 'application/json' };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (request.body !== undefined) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        response = await fetch(url, {
          method: request.method ?? 'GET',
          headers,
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
      } catch (error) {
        throw new FirebreakApiError(0, `cannot reach ${service} at ${options.urls[service]}: ${(error as Error).message}`);
      }
      const text = await response.text();
      const json: unknown = text ? safeJson(text) : null;
      if (!response.ok)
        throw new FirebreakApiError(response.status, `${service} answered ${response.status}: ${apiMessage(json) ?? text.slice(0, 300)}`);
      return json as T;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function apiMessage(json: unknown): string | undefined {
  const error = (json as { error?: { message?: unknown } } | null)?.error;
  return typeof error?.message === 'string' ? error.message : undefined;
}
