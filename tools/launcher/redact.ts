const SECRET_PARAMS = new Set(['password', 'sslpassword', 'pass', 'token', 'auth_token', 'jwt', 'nkey']);
const MASK = '***';

/**
 * A connection URL fit for a terminal or a log: the password (and a NATS token, which travels as the
 * user name) is masked, and so are secret query parameters.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw.replace(/\/\/([^:/@]*):[^@/]*@/, `//$1:${MASK}@`);
  }
  if (url.password) {
    url.password = MASK;
  } else if (url.username && isNatsScheme(url.protocol)) {
    url.username = MASK;
  }
  const secretKeys = [...url.searchParams.keys()].filter((key) => SECRET_PARAMS.has(key.toLowerCase()));
  for (const key of secretKeys) url.searchParams.set(key, MASK);
  return url.toString();
}

function isNatsScheme(protocol: string): boolean {
  return protocol === 'nats:' || protocol === 'tls:';
}
