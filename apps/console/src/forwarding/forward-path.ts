import { AppName } from '@firebreak/contracts';
import { AppError } from '@firebreak/platform';
import { isUpstream } from '../upstreams';

export interface ForwardPath {
  service: AppName;
  /** The path on the service, `/api/…`, with the caller's query string as it came (still encoded). */
  pathAndQuery: string;
}

const API_PREFIX = '/api/';

const trick = (message: string) => new AppError('bad_path', message, 400);

/**
 * `/api/<service>/<rest>?<query>` → the service and `/api/<rest>?<query>`, from the raw request URL (not
 * the router's decoded one). A path that could climb out of `/api/` on the service, or that the service
 * might read differently than the console does (`..`, encoded `/` or `\`, `//`), is refused, not cleaned.
 */
export function parseForwardPath(rawUrl: string): ForwardPath {
  const queryAt = rawUrl.indexOf('?');
  const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const query = queryAt === -1 ? '' : rawUrl.slice(queryAt);
  if (!path.startsWith(API_PREFIX)) throw trick('the path must start with /api/<service>/');
  if (path.includes('//')) throw trick('the path must not contain an empty segment (//)');
  if (path.includes('\\')) throw trick('the path must not contain a backslash');
  if (/%(2f|5c)/i.test(path)) throw trick('the path must not contain an encoded / or \\');
  const [service, ...rest] = path.slice(API_PREFIX.length).split('/');
  for (const segment of rest) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw trick('the path has a malformed percent-encoding');
    }
    if (decoded === '.' || decoded === '..') throw trick('the path must not contain . or .. segments');
  }
  if (!isUpstream(service)) {
    throw new AppError('unknown_service', `the console forwards to no service called "${service.slice(0, 64)}"`, 404);
  }
  return { service, pathAndQuery: `${API_PREFIX}${rest.join('/')}${query}` };
}

/**
 * The ingress paths the console relays: custom alerts (`POST /api/v1/alerts`), which the ingress lets
 * only an operator token post. The webhooks (Alertmanager, n8n) are for monitoring systems with their own
 * credentials, not for the page: the console is not a webhook relay.
 */
const INGRESS_RELAYED = new Set(['/api/v1/alerts']);

export function assertRelayable(service: AppName, pathAndQuery: string): void {
  if (service !== 'ingress') return;
  const queryAt = pathAndQuery.indexOf('?');
  const path = (queryAt === -1 ? pathAndQuery : pathAndQuery.slice(0, queryAt)).toLowerCase();
  if (!INGRESS_RELAYED.has(path)) {
    throw new AppError(
      'not_relayed',
      'the console does not relay webhooks: monitoring systems post to the ingress directly, with webhook credentials; the console forwards only custom alerts (POST /api/ingress/v1/alerts)',
      403,
    );
  }
}

/**
 * The URL to call. Defence in depth: however the path was written, the URL as parsed (dot segments
 * resolved) still names the service's /api/ (under the base URL's own path, if it has one).
 */
export function forwardTarget(baseUrl: string, pathAndQuery: string): string {
  const target = `${baseUrl}${pathAndQuery}`;
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, '');
  if (!new URL(target).pathname.startsWith(`${basePath}${API_PREFIX}`)) throw trick('the path must stay under /api/ on the service');
  return target;
}

/** `Forwarded` (RFC 7239) and `X-Forwarded-For` naming the console's caller. */
export function forwardedFor(address: string | undefined): { forwarded: string; xForwardedFor: string } {
  if (!address) return { forwarded: 'for=unknown', xForwardedFor: 'unknown' };
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped ? mapped[1] : address;
  return { forwarded: plain.includes(':') ? `for="[${plain}]"` : `for=${plain}`, xForwardedFor: plain };
}
