import { resolve } from 'node:path';
import { checkConfigFiles, type FileCheck, reportConfigCheck } from '@firebreak/platform';
import { loadEscalationPolicy } from './escalation/escalation-config';
import { loadFileMappings } from './mappings/mapping-config';

/**
 * `node dist/apps/mapper/src/check-config.js DIR`: mappings.yaml and escalation.yaml checked offline with the
 * loaders the mapper runs at start (no NATS, no Postgres); `{ ok, files }` as JSON on stdout, exit 0 or 1.
 */
export function checkMapperConfig(dir: string): FileCheck[] {
  return [
    ...checkConfigFiles([resolve(dir, 'mappings.yaml')], () => void loadFileMappings(dir)),
    ...checkConfigFiles([resolve(dir, 'escalation.yaml')], () => void loadEscalationPolicy(dir)),
  ];
}

if (require.main === module) reportConfigCheck(checkMapperConfig(resolve(process.argv[2] ?? '.')));
