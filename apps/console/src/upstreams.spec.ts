import { buildConfig } from '@firebreak/platform';
import { SERVICE, upstreamUrl } from './service';
import { UPSTREAMS, upstreamUrlVariable } from './upstreams';

describe('the console config', () => {
  it('has a base URL for every service it forwards to, by default on this machine at its port', () => {
    const config = buildConfig(SERVICE, {});
    expect(Object.fromEntries(UPSTREAMS.map((service) => [service, upstreamUrl(config, service)]))).toEqual({
      ingress: 'http://127.0.0.1:8080',
      mapper: 'http://127.0.0.1:8081',
      'runbook-executor': 'http://127.0.0.1:8082',
      'detector-scheduler': 'http://127.0.0.1:8083',
      notifier: 'http://127.0.0.1:8084',
      'slo-reporter': 'http://127.0.0.1:8085',
      knowledge: 'http://127.0.0.1:8086',
    });
    expect(config.FIREBREAK_HTTP_PORT).toBe(8090);
  });

  it('reads FIREBREAK_URL_<SERVICE> (upper case, - as _) without a trailing slash', () => {
    expect(upstreamUrlVariable('runbook-executor')).toBe('FIREBREAK_URL_RUNBOOK_EXECUTOR');
    const config = buildConfig(SERVICE, { FIREBREAK_URL_RUNBOOK_EXECUTOR: 'http://executor.internal:9000/' });
    expect(upstreamUrl(config, 'runbook-executor')).toBe('http://executor.internal:9000');
  });

  it('refuses a base URL that is not http(s), naming the variable', () => {
    expect(() => buildConfig(SERVICE, { FIREBREAK_URL_MAPPER: 'file:///etc/passwd' })).toThrow(/FIREBREAK_URL_MAPPER/);
  });
});
