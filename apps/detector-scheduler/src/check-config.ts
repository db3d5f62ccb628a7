import { resolve } from 'node:path';
import { buildConfig, checkConfigFiles, type FileCheck, reportConfigCheck } from '@firebreak/platform';
import { loadDetectors } from './definitions/detector-config';
import { SERVICE } from './service';

// PROMETHEUS_URL is the deployment's: the check stands one in and says which detectors need it.
const PROMETHEUS_STAND_IN = 'http://prometheus.invalid:9090';

/**
 * `node dist/apps/detector-scheduler/src/check-config.js DIR`: detectors.yaml (and the connections.yaml entries it
 * names) checked offline with the loader the scheduler runs at start; `{ ok, files }` as JSON, exit 0 or 1.
 */
export function checkDetectorConfig(dir: string): FileCheck[] {
  const config = buildConfig(SERVICE, { FIREBREAK_CONFIG_DIR: dir });
  return checkConfigFiles([resolve(dir, 'detectors.yaml'), resolve(dir, 'connections.yaml')], () => {
    const catalog = loadDetectors({ configDir: dir, databaseUrl: config.DATABASE_URL, prometheusUrl: PROMETHEUS_STAND_IN });
    return catalog.detectors
      .filter((detector) => detector.enabled && detector.type === 'prometheus' && !detector.url)
      .map(
        (detector) => `${resolve(dir, 'detectors.yaml')}: detector ${detector.id} queries PROMETHEUS_URL, which must be set where it runs`,
      );
  });
}

if (require.main === module) reportConfigCheck(checkDetectorConfig(resolve(process.argv[2] ?? '.')));
