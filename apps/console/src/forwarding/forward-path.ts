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
