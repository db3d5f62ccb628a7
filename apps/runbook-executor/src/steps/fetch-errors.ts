/**
 * What a failed `fetch` means for a probe. Only a request that went out to the network and got nothing back
 * is "no answer" (`status: 0`, which the shipped runbooks restart on). undici rejects with the same
 * `TypeError('fetch failed')` for requests it never sent ("bad port", an unsupported method, a body on a GET,
 * a header value it will not write): those say nothing about the service and must not read as "it is down".
 */

/** Socket and DNS errors: the request was sent (or tried) and no answer came. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENETRESET',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EAI_NODATA',
  'EPROTO',
  // undici's own: the socket closed, or connect, headers or body took longer than its limits.
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** TLS handshake and certificate failures (Node's `ERR_TLS_*`/`ERR_SSL_*`, OpenSSL's verification codes). */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$)/;

/**
 * Something answered, but not with HTTP undici can read: a non-HTTP port (SSH, a database) or a broken proxy
 * (llhttp's `HPE_*` parse errors, which undici 7 raises as `HTTPParserError` often without a code), headers
 * past undici's limit, a length that contradicts itself. The request went out and a process is listening, so
 * this is neither "no answer" (which a probe restarts on) nor "never sent" (a refusal).
 */
const INVALID_ANSWER_CODES = new Set(['UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);
const INVALID_ANSWER_NAMES = new Set(['HTTPParserError', 'HeadersOverflowError', 'ResponseContentLengthMismatchError']);

export type FetchErrorKind =
  { kind: 'no-answer'; cause: string } | { kind: 'not-sent'; cause: string } | { kind: 'invalid-answer'; cause: string };

/** The errors along the cause chain, each AggregateError's inner errors included. */
function chainOf(error: unknown, depth = 0): Array<{ code?: unknown; name?: unknown; message?: unknown }> {
  if (!error || typeof error !== 'object' || depth > 5) return [];
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  return [
    error as { code?: unknown; name?: unknown; message?: unknown },
    ...chainOf(cause, depth + 1),
    ...(Array.isArray(errors) ? errors.flatMap((inner) => chainOf(inner, depth + 1)) : []),
  ];
}

/** The error codes along the cause chain, including each error an AggregateError (happy eyeballs) holds. */
function codesOf(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 5) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  return [
    ...(typeof code === 'string' ? [code] : []),
    ...codesOf(cause, depth + 1),
    ...(Array.isArray(errors) ? errors.flatMap((inner) => codesOf(inner, depth + 1)) : []),
  ];
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string' && cause.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The first error along the chain that says the answer was not valid HTTP, as "CODE: message" (or the message alone). */
function invalidAnswerOf(error: unknown): string | undefined {
  for (const link of chainOf(error)) {
    const code = typeof link.code === 'string' ? link.code : undefined;
    const name = typeof link.name === 'string' ? link.name : undefined;
    if ((code && (code.startsWith('HPE_') || INVALID_ANSWER_CODES.has(code))) || (name && INVALID_ANSWER_NAMES.has(name))) {
      const message = typeof link.message === 'string' && link.message ? link.message : (name ?? 'invalid response');
      return code ? `${code}: ${message}` : message;
    }
  }
  return undefined;
}

export function classifyFetchError(error: unknown): FetchErrorKind {
  const invalid = invalidAnswerOf(error);
  if (invalid !== undefined) return { kind: 'invalid-answer', cause: invalid };
  const cause = causeOf(error);
  const codes = codesOf(error);
  return codes.some((code) => NETWORK_CODES.has(code) || TLS_CODE.test(code)) ? { kind: 'no-answer', cause } : { kind: 'not-sent', cause };
}
