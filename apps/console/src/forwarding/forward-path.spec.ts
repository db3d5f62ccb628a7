import { AppError } from '@firebreak/platform';
import { assertRelayable, forwardedFor, forwardTarget, parseForwardPath } from './forward-path';

function refusal(rawUrl: string): AppError {
  try {
    parseForwardPath(rawUrl);
  } catch (error) {
    return error as AppError;
  }
  throw new Error(`${rawUrl} was accepted`);
}

describe('parseForwardPath', () => {
  it('maps /api/<service>/<rest> to the service and /api/<rest>, query string as it came', () => {
    expect(parseForwardPath('/api/mapper/v1/alerts?state=firing&matcher=%7Bjob%3D%22a%22%7D')).toEqual({
      service: 'mapper',
      pathAndQuery: '/api/v1/alerts?state=firing&matcher=%7Bjob%3D%22a%22%7D',
    });
    expect(parseForwardPath('/api/runbook-executor/v1/runbooks/service_unavailable')).toEqual({
      service: 'runbook-executor',
      pathAndQuery: '/api/v1/runbooks/service_unavailable',
    });
  });

  it('keeps encoded characters of a segment encoded (a fingerprint, a label value)', () => {
    expect(parseForwardPath('/api/knowledge/v1/search?q=a%20b%2Fc').pathAndQuery).toBe('/api/v1/search?q=a%20b%2Fc');
    expect(parseForwardPath('/api/mapper/v1/silences/a%20b').pathAndQuery).toBe('/api/v1/silences/a%20b');
  });

  it.each([
    '/api/mapper/v1/../../metrics',
    '/api/mapper/v1/%2e%2e/x',
    '/api/mapper/v1/%2E./x',
    '/api/mapper/./v1/alerts',
    '/api/mapper/v1/alerts%2f..%2fsecret',
    '/api/mapper/v1/alerts%5C..',
    '/api/mapper/v1\\alerts',
    '/api/mapper//v1/alerts',
    '/api//mapper/v1/alerts',
    '/api/mapper/v1/%zz',
  ])('refuses the path trick %s with 400', (rawUrl) => {
    const error = refusal(rawUrl);
    expect(error.status).toBe(400);
    expect(error.code).toBe('bad_path');
  });

  it('answers 404 for a service it does not forward to, the console itself included', () => {
    for (const rawUrl of ['/api/postgres/v1/x', '/api/console/anything', '/api/MAPPER/v1/alerts']) {
      const error = refusal(rawUrl);
      expect(error.status).toBe(404);
      expect(error.code).toBe('unknown_service');
    }
  });
});

describe('what the console relays to the ingress', () => {
  const refused = (path: string) => {
    try {
      assertRelayable('ingress', path);
    } catch (error) {
      return (error as AppError).status;
    }
    return undefined;
  };

  it('relays custom alerts only, never a webhook', () => {
    expect(refused('/api/v1/alerts')).toBeUndefined();
    expect(refused('/api/v1/alerts?x=1')).toBeUndefined();
    for (const path of ['/api/v1/alerts/alertmanager', '/api/v1/alerts/Alertmanager/', '/api/webhooks/n8n/incident', '/api/v1/alerts/']) {
      expect({ path, status: refused(path) }).toEqual({ path, status: 403 });
    }
    expect(() => assertRelayable('mapper', '/api/v1/alerts/alertmanager')).not.toThrow();
  });
});

describe('forwardTarget', () => {
  it('keeps the call under /api/ on the service, a base path included', () => {
    expect(forwardTarget('http://127.0.0.1:8081', '/api/v1/alerts?a=1')).toBe('http://127.0.0.1:8081/api/v1/alerts?a=1');
    expect(forwardTarget('http://proxy/mapper', '/api/v1/alerts')).toBe('http://proxy/mapper/api/v1/alerts');
  });

  it('refuses a target that resolves outside /api/', () => {
    expect(() => forwardTarget('http://127.0.0.1:8081', '/api/../metrics')).toThrow(AppError);
    expect(() => forwardTarget('http://proxy/mapper', '/api/../../metrics')).toThrow(AppError);
  });
});

describe('forwardedFor', () => {
  it('names the caller in both headers, IPv6 bracketed and quoted', () => {
    expect(forwardedFor('127.0.0.1')).toEqual({ forwarded: 'for=127.0.0.1', xForwardedFor: '127.0.0.1' });
    expect(forwardedFor('::ffff:10.0.0.5')).toEqual({ forwarded: 'for=10.0.0.5', xForwardedFor: '10.0.0.5' });
    expect(forwardedFor('::1')).toEqual({ forwarded: 'for="[::1]"', xForwardedFor: '::1' });
    expect(forwardedFor(undefined)).toEqual({ forwarded: 'for=unknown', xForwardedFor: 'unknown' });
  });
});
