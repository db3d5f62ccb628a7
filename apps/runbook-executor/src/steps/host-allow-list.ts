interface HostPattern {
  host: RegExp;
  port?: string;
  /** An IPv4 pattern (`10.0.0.*`) matches IP literals only, never a DNS name like `10.0.0.io`. */
  ipv4: boolean;
}

const IPV4_PATTERN = /^(\d{1,3}|\*)(\.(\d{1,3}|\*)){3}$/;
const IPV4_LITERAL = /^\d{1,3}(\.\d{1,3}){3}$/;
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * FIREBREAK_RUNBOOK_HTTP_ALLOW: `host`, `host:port`, `*.internal` (`*` is one DNS label),
 * `10.0.0.*`. A pattern without a port allows any port. Matching is on the parsed URL's host, so
 * `127.0.0.1.nip.io` or `user@host` tricks do not pass for `127.0.0.1`.
 */
export class HostAllowList {
  private readonly patterns: HostPattern[];

  constructor(entries: string[]) {
    this.patterns = entries.map((entry) => HostAllowList.compile(entry.trim().toLowerCase()));
  }

  private static compile(entry: string): HostPattern {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+|\*))?$/.exec(entry);
    const host = match?.[1] ?? entry;
    const port = match?.[2] && match[2] !== '*' ? match[2] : undefined;
    const ipv4 = IPV4_PATTERN.test(host);
    const source = host
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join(ipv4 ? OCTET : '[a-z0-9-]+');
    return { host: new RegExp(`^${source}$`), port, ipv4 };
  }

  allows(url: URL): boolean {
    const hostname = url.hostname.toLowerCase();
    const port = url.port || DEFAULT_PORTS[url.protocol] || '';
    const isIpv4 = IPV4_LITERAL.test(hostname);
    return this.patterns.some(
      (pattern) => pattern.ipv4 === isIpv4 && pattern.host.test(hostname) && (!pattern.port || pattern.port === port),
    );
  }
}
