import { hash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { ConfigError } from '@firebreak/platform';

export const WEBHOOK_AUTH_FALLBACKS = ['loopback', 'none'] as const;
export type WebhookAuthFallback = (typeof WEBHOOK_AUTH_FALLBACKS)[number];

/** `credentials`: a configured token or pair is required; the others apply when none is configured. */
export type WebhookAuthMode = 'credentials' | WebhookAuthFallback;
export type WebhookAuthOutcome = 'accepted' | 'missing' | 'invalid' | 'not_loopback';

const MIN_TOKEN_LENGTH = 8;
// What an HTTP header can carry in a bearer token: visible ASCII, no spaces.
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

interface Parsed {
  values: string[];
  problems: string[];
}

function entries(spec: string): string[] {
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** `FIREBREAK_WEBHOOK_TOKENS`: `token,token,...`. Problems name the entry, never the secret. */
export function parseBearerTokens(spec: string): Parsed {
  const problems: string[] = [];
  const values = entries(spec).filter((token, index) => {
    if (token.length < MIN_TOKEN_LENGTH) problems.push(`entry ${index + 1}: a token must be at least ${MIN_TOKEN_LENGTH} characters`);
    else if (!TOKEN_CHARS.test(token)) problems.push(`entry ${index + 1}: a token may hold only visible ASCII characters, no spaces`);
    else return true;
    return false;
  });
  return { values, problems };
}

/** `FIREBREAK_WEBHOOK_BASIC_AUTH`: `user:password,...`; the password may itself contain colons. */
export function parseBasicAuthPairs(spec: string): Parsed {
  const problems: string[] = [];
  const values = entries(spec).filter((pair, index) => {
    const colon = pair.indexOf(':');
    if (colon <= 0) problems.push(`entry ${index + 1}: must be user:password`);
    else if (colon === pair.length - 1) problems.push(`entry ${index + 1}: the password is empty`);
    else return true;
    return false;
  });
  return { values, problems };
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}

// Runs on every webhook request. One-shot `hash` to hex, then to bytes: ~1.4 µs per check on Node 24,
// against ~2–3.5 µs with a createHash object and ~2 µs with `hash` straight to a Buffer.
const digest = (scheme: 'bearer' | 'basic', credential: string) =>
  Buffer.from(hash('sha256', `${scheme}\u0000${credential}`, 'hex'), 'hex');

/** The digest of what an `Authorization` header presents, or undefined when it is not Bearer or Basic. */
function presented(authorization: string): Buffer | undefined {
  const match = /^(Bearer|Basic)[ \t]+([^\s]+)[ \t]*$/i.exec(authorization);
  if (!match) return undefined;
  if (match[1].toLowerCase() === 'bearer') return digest('bearer', match[2]);
  const decoded = Buffer.from(match[2], 'base64').toString('utf8');
  return decoded.indexOf(':') > 0 ? digest('basic', decoded) : undefined;
}

/**
 * Checks the webhook's `Authorization` as Alertmanager's `http_config` sends it. Secrets are kept
 * as hashes and every one is compared, in constant time, whatever matched first.
 */
export class WebhookCredentials {
  private constructor(
    readonly mode: WebhookAuthMode,
    private readonly digests: Buffer[],
  ) {}

  static create(tokens: string[], basicAuthPairs: string[], fallback: WebhookAuthFallback): WebhookCredentials {
    if (fallback === 'none' && tokens.length + basicAuthPairs.length > 0) {
      throw new ConfigError([
        'FIREBREAK_WEBHOOK_AUTH=none contradicts FIREBREAK_WEBHOOK_TOKENS / FIREBREAK_WEBHOOK_BASIC_AUTH: unset one or the other',
      ]);
    }
    const digests = [...tokens.map((token) => digest('bearer', token)), ...basicAuthPairs.map((pair) => digest('basic', pair))];
    return new WebhookCredentials(digests.length > 0 ? 'credentials' : fallback, digests);
  }

  /**
   * `proxied`: the request names a client it was forwarded for (`Forwarded`, `X-Forwarded-For`).
   * A proxy on this host in front of the ingress means the real caller is not local.
   */
  check(authorization: string | undefined, remoteAddress: string | undefined, proxied = false): WebhookAuthOutcome {
    switch (this.mode) {
      case 'none':
        return 'accepted';
      case 'loopback':
        return isLoopback(remoteAddress) && !proxied ? 'accepted' : 'not_loopback';
      case 'credentials':
        return this.checkCredentials(authorization);
    }
  }

  private checkCredentials(authorization: string | undefined): WebhookAuthOutcome {
    if (!authorization) return 'missing';
    const candidate = presented(authorization);
    if (!candidate) return 'invalid';
    let matched = false;
    for (const known of this.digests) matched = timingSafeEqual(known, candidate) || matched;
    return matched ? 'accepted' : 'invalid';
  }
}
