import { AppError } from '@firebreak/platform';
import { parseForwardPath } from './forward-path';

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
