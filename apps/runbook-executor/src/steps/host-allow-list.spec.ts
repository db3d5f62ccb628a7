import { HostAllowList } from './host-allow-list';

const allows = (patterns: string[], url: string) => new HostAllowList(patterns).allows(new URL(url));

describe('FIREBREAK_RUNBOOK_HTTP_ALLOW host patterns', () => {
  it('matches exact hosts, one-label wildcards and ports', () => {
    expect(allows(['api.internal'], 'http://api.internal:8080/x')).toBe(true);
    expect(allows(['*.internal'], 'http://db-1.internal/x')).toBe(true);
    expect(allows(['*.internal'], 'http://a.b.internal/x')).toBe(false);
    expect(allows(['10.0.0.*'], 'http://10.0.0.7/x')).toBe(true);
    expect(allows(['api.internal:8443'], 'https://api.internal:8443/x')).toBe(true);
    expect(allows(['api.internal:8443'], 'https://api.internal/x')).toBe(false);
    expect(allows(['api.internal:443'], 'https://api.internal/x')).toBe(true);
    expect(allows(['API.Internal'], 'http://api.internal/x')).toBe(true);
  });

  it('is not fooled by look-alike hosts', () => {
    for (const url of [
      'http://evil.example.com/',
      'http://127.0.0.1.nip.io/',
      'http://api.internal.evil.com/',
      'http://internal/',
      'http://xapi.internal/',
    ]) {
      expect(allows(['127.0.0.1', 'api.internal'], url)).toBe(false);
    }
    expect(allows([], 'http://127.0.0.1/')).toBe(false);
  });

  it('lets an IPv4 pattern match IP literals only, never DNS names that look like one', () => {
    const list = new HostAllowList(['10.0.*.*']);
    expect(list.allows(new URL('http://10.0.3.7:8080/health'))).toBe(true);
    for (const host of ['10.0.attacker.com', '10.0.0.io', '10.0.0.com']) expect(list.allows(new URL(`http://${host}/health`))).toBe(false);
    expect(new HostAllowList(['*.internal']).allows(new URL('http://10.0.0.1/'))).toBe(false);
  });
});
