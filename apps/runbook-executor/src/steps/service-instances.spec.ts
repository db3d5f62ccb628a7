import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../common/settings';
import type { ExecutorConfig } from '../service';
import { ServiceInstances } from './service-instances';

const instances = new ServiceInstances(
  new Map([
    ['api', ['api-1.internal:8080', '10.0.0.*:8080']],
    ['web', ['web.internal:80']],
  ]),
);

describe('which instances belong to a service (config/services.yaml)', () => {
  it.each([
    ['api', 'http://api-1.internal:8080/health', true],
    ['api', 'http://10.0.0.7:8080/health', true],
    ['web', 'http://web.internal/health', true], // the scheme's default port
    // The attack: a closed port on a host the service runs on, or another service's instance, or a service not listed.
    ['api', 'http://api-1.internal:9/health', false],
    ['api', 'http://api-1.internal/health', false],
    ['api', 'http://web.internal:80/health', false],
    ['web', 'https://web.internal/health', false],
    ['payments', 'http://api-1.internal:8080/health', false],
    ['', 'http://api-1.internal:8080/health', false],
    ['__proto__', 'http://api-1.internal:8080/health', false],
  ])('%j has %s: %s', (service, url, expected) => {
    expect(instances.has(service, new URL(url))).toBe(expected);
  });

  it('requires the port of every instance in the file, so a host does not vouch for all its ports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-services-'));
    const config = { FIREBREAK_CONFIG_DIR: dir, FIREBREAK_RUNBOOK_VARS: '', DATABASE_URL: 'postgres://x' } as unknown as ExecutorConfig;
    writeFileSync(join(dir, 'services.yaml'), 'services:\n  api: [api-1.internal]\n');
    expect(() => loadSettings(config)).toThrow(/services\.yaml[\s\S]*must be host:port \(the port is required\)/);
    writeFileSync(join(dir, 'services.yaml'), "services:\n  api: ['api-1.internal:8080']\n");
    expect(loadSettings(config).services).toEqual(new Map([['api', ['api-1.internal:8080']]]));
  });
});
