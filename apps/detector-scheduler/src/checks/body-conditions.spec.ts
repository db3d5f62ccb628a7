import { RE2JS } from 're2js';
import { pathSegments } from '../definitions/data-path';
import { failedBodyConditions } from './body-conditions';

const body = JSON.stringify({
  status: 'ok',
  checks: [
    { name: 'db', up: true },
    { name: 'nats', up: false },
  ],
  count: 3,
  note: null,
});

describe('http body conditions', () => {
  it('reads dotted and JSONPath-like paths', () => {
    expect(pathSegments('$.checks[1].up')).toEqual(['checks', '1', 'up']);
    expect(pathSegments('checks.0.name')).toEqual(['checks', '0', 'name']);
  });

  it('compares values strictly, by type', () => {
    expect(
      failedBodyConditions(body, [
        { path: 'status', equals: 'ok' },
        { path: '$.count', equals: 3 },
        { path: 'checks[0].up', equals: true },
        { path: 'note', equals: null },
      ]),
    ).toEqual([]);
    expect(failedBodyConditions(body, [{ path: 'count', equals: '3' }])).toEqual(['count is 3, expected "3"']);
    expect(failedBodyConditions(body, [{ path: 'checks.1.up', equals: true }])).toEqual(['checks.1.up is false, expected true']);
  });

  it('reports an absent path and a body that is not JSON', () => {
    expect(failedBodyConditions(body, [{ path: 'checks.5.up', equals: true }])).toEqual(['checks.5.up is absent']);
    expect(failedBodyConditions('<html>', [{ path: 'status', equals: 'ok' }])).toEqual(['body is not JSON, so status cannot be read']);
  });

  it('searches RE2 regexes in the raw body or in the value at a path', () => {
    expect(
      failedBodyConditions(body, [
        { matches: RE2JS.compile('"status":\\s*"ok"') },
        { path: 'checks.1.name', matches: RE2JS.compile('^na') },
      ]),
    ).toEqual([]);
    expect(failedBodyConditions('all good', [{ matches: RE2JS.compile('(?i)ERROR') }])).toEqual(['body does not match /(?i)ERROR/']);
    expect(failedBodyConditions(body, [{ path: 'checks', matches: RE2JS.compile('"up":false') }])).toEqual([]);
  });
});
