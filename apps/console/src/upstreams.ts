import { AppName, APPS } from '@firebreak/contracts';
import { DEFAULT_PORTS } from '@firebreak/platform';

/** The services the console forwards to: every Firebreak service with a public REST API. */
export const UPSTREAMS: readonly AppName[] = APPS;

/** `FIREBREAK_URL_<SERVICE>`: upper-case, `-` → `_` (the names `npm run backup` reads too). */
export const upstreamUrlVariable = (service: AppName): string => `FIREBREAK_URL_${service.toUpperCase().replace(/-/g, '_')}`;

export const defaultUpstreamUrl = (service: AppName): string => `http://127.0.0.1:${DEFAULT_PORTS[service]}`;

export function isUpstream(name: string): name is AppName {
  return (UPSTREAMS as readonly string[]).includes(name);
}
