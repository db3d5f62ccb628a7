import { resolve } from 'node:path';
import { buildConfig, checkConfigFiles, type FileCheck, reportConfigCheck } from '@firebreak/platform';
import { loadSloFile } from './definitions/slo-config';
import { SERVICE } from './service';

/**
 * `node dist/apps/slo-reporter/src/check-config.js DIR`: slos.yaml checked offline with the loader the reporter runs
 * at start (no NATS, no Postgres, no Prometheus); `{ ok, files }` as JSON on stdout, exit 0 or 1.
 */
export function checkSloConfig(dir: string): FileCheck[] {
  const config = buildConfig(SERVICE, { FIREBREAK_CONFIG_DIR: dir });
  return checkConfigFiles([resolve(dir, config.FIREBREAK_SLO_FILE)], () => void loadSloFile(dir, config.FIREBREAK_SLO_FILE));
}

if (require.main === module) reportConfigCheck(checkSloConfig(resolve(process.argv[2] ?? '.')));
