import { isJsonContentType } from './json-body.guard';
import { rejectionReason } from './request-metrics';

describe('rejection reasons', () => {
  it('names each refusal by its cause', () => {
    expect(rejectionReason(400, false)).toBe('invalid_json');
    expect(rejectionReason(400, true)).toBe('invalid_payload');
    expect(rejectionReason(401, true)).toBe('unauthorized');
    expect(rejectionReason(403, true)).toBe('forbidden');
    expect(rejectionReason(413, false)).toBe('too_large');
    expect(rejectionReason(415, true)).toBe('unsupported_media_type');
    expect(rejectionReason(503, true)).toBe('unavailable');
    expect(rejectionReason(500, true)).toBe('http_500');
  });
});

describe('JSON content types', () => {
  it('accepts application/json with or without parameters, in any case, and nothing else', () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON ;charset=UTF-8'])
      expect(isJsonContentType(type)).toBe(true);
    for (const type of [undefined, '', 'text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'application/vnd.api+json'])
      expect(isJsonContentType(type)).toBe(false);
  });
});
