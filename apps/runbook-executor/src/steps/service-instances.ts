import { HostAllowList } from './host-allow-list';

/**
 * config/services.yaml: which `host:port` instances belong to which service (the `job` label of its alerts).
 * An `http` step with `instanceOf` may only reach an instance of that service: a probe that decides whether a
 * service is restarted must have probed that service, not any allow-listed host a sender names.
 */
export class ServiceInstances {
  private readonly services: Map<string, HostAllowList>;

  constructor(services: ReadonlyMap<string, readonly string[]>) {
    this.services = new Map([...services].map(([service, instances]) => [service, new HostAllowList([...instances])]));
  }

  /** Whether the URL's host and port (the scheme's default when it has none) are an instance of `service`. */
  has(service: string, url: URL): boolean {
    return this.services.get(service)?.allows(url) ?? false;
  }
}
