import { classifyFetchError } from './fetch-errors';

/** What undici rejects with: `TypeError('fetch failed')` whose cause is the real error. */
const fetchFailed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('what a failed fetch means', () => {
  it.each([
    ['connection refused', fetchFailed(withCode('connect ECONNREFUSED 127.0.0.1:1234', 'ECONNREFUSED')), 'ECONNREFUSED'],
    ['connection reset', fetchFailed(withCode('read ECONNRESET', 'ECONNRESET')), 'ECONNRESET'],
    ['the other side closed', fetchFailed(withCode('other side closed', 'UND_ERR_SOCKET')), 'UND_ERR_SOCKET'],
    ['DNS failure', fetchFailed(withCode('getaddrinfo ENOTFOUND api.internal', 'ENOTFOUND')), 'ENOTFOUND'],
    ['DNS timeout', fetchFailed(withCode('getaddrinfo EAI_AGAIN api.internal', 'EAI_AGAIN')), 'EAI_AGAIN'],
    ['TLS version mismatch', fetchFailed(withCode('wrong version number', 'ERR_SSL_WRONG_VERSION_NUMBER')), 'ERR_SSL_WRONG_VERSION_NUMBER'],
    [
      'a self-signed certificate',
      fetchFailed(withCode('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT')),
      'DEPTH_ZERO_SELF_SIGNED_CERT',
    ],
    ['an expired certificate', fetchFailed(withCode('certificate has expired', 'CERT_HAS_EXPIRED')), 'CERT_HAS_EXPIRED'],
    [
      'a name the certificate does not cover',
      fetchFailed(withCode('Hostname/IP does not match', 'ERR_TLS_CERT_ALTNAME_INVALID')),
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ],
    ['undici connect timeout', fetchFailed(withCode('Connect Timeout Error', 'UND_ERR_CONNECT_TIMEOUT')), 'UND_ERR_CONNECT_TIMEOUT'],
    [
      'every address refused (happy eyeballs)',
      fetchFailed(
        Object.assign(new AggregateError([withCode('a', 'ECONNREFUSED'), withCode('b', 'ECONNREFUSED')], ''), { code: 'ECONNREFUSED' }),
      ),
      'ECONNREFUSED',
    ],
    [
      'an AggregateError whose own code is missing',
      fetchFailed(new AggregateError([withCode('a', 'ENETUNREACH'), withCode('b', 'ECONNREFUSED')], 'all failed')),
      'all failed',
    ],
  ])('%s is no answer', (_what, error, cause) => {
    expect(classifyFetchError(error)).toEqual({ kind: 'no-answer', cause });
  });

  it.each([
    ['a port fetch will not use', fetchFailed(new Error('bad port')), 'bad port'],
    [
      'a header value it will not write',
      new TypeError('Headers.append: "a\nb" is an invalid header value.'),
      'Headers.append: "a\nb" is an invalid header value.',
    ],
    ['a body on a GET', new TypeError('Request with GET/HEAD method cannot have body.'), 'Request with GET/HEAD method cannot have body.'],
    ['an unsupported method', new TypeError("'CONNECT' HTTP method is unsupported."), "'CONNECT' HTTP method is unsupported."],
    ['something that is not an error at all', 'boom', 'boom'],
    ['an error without a code', fetchFailed(new Error('unexpected')), 'unexpected'],
  ])('%s was never sent', (_what, error, cause) => {
    expect(classifyFetchError(error)).toEqual({ kind: 'not-sent', cause });
  });

  it.each([
    [
      // undici 7 (Node 24) raises llhttp's parse errors as HTTPParserError, usually without a code.
      'a non-HTTP port (no status line)',
      fetchFailed(
        Object.assign(new Error('Response does not match the HTTP/1.1 protocol (Expected HTTP/, RTSP/ or ICE/)'), {
          name: 'HTTPParserError',
          code: undefined,
          data: 'SSH-2.0-OpenSSH_9.6\r\n',
        }),
      ),
      'Response does not match the HTTP/1.1 protocol (Expected HTTP/, RTSP/ or ICE/)',
    ],
    [
      'an llhttp error with its code',
      fetchFailed(withCode('Invalid header value char', 'HPE_INVALID_HEADER_TOKEN')),
      'HPE_INVALID_HEADER_TOKEN: Invalid header value char',
    ],
    [
      'headers past the limit',
      fetchFailed(withCode('Headers Overflow Error', 'UND_ERR_HEADERS_OVERFLOW')),
      'UND_ERR_HEADERS_OVERFLOW: Headers Overflow Error',
    ],
    [
      'a length that contradicts itself',
      fetchFailed(withCode('Response body length does not match content-length header', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')),
      'UND_ERR_RES_CONTENT_LENGTH_MISMATCH: Response body length does not match content-length header',
    ],
  ])('%s: something answered, and it is not valid HTTP', (_what, error, cause) => {
    expect(classifyFetchError(error)).toEqual({ kind: 'invalid-answer', cause });
  });
});
