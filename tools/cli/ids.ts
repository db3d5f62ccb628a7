import { CliError, EXIT } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The ids the services take in their paths, in the forms their own schemas check (the CLI checks first). */
export const ID_FORMATS = {
  fingerprint: { pattern: /^[0-9a-f]{16}$/, says: 'an alert fingerprint (16 lowercase hex digits, as alert query shows)' },
  silence: { pattern: UUID, says: 'a silence id (a UUID, as silence query shows)' },
  approval: { pattern: UUID, says: 'an approval id (a UUID, as approval list shows)' },
  execution: { pattern: UUID, says: 'an execution id (a UUID, as execution list shows)' },
  runbook: { pattern: /^[a-z][a-z0-9_]{0,62}$/, says: 'a runbook id (lowercase letters, digits and _, as runbook list shows)' },
  detector: { pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, says: 'a detector id (as detector list shows)' },
} as const;

export type IdKind = keyof typeof ID_FORMATS;

/**
 * An id as one URL path segment. `''`, `.` and `..` would be dot segments that fetch resolves away
 * (`detector run .` would POST /detectors/run, i.e. run them all), so they and anything not in the id's form
 * are a usage error before any request.
 */
export function pathSegment(id: string, what: IdKind): string {
  const format = ID_FORMATS[what];
  if (id === '' || id === '.' || id === '..' || !format.pattern.test(id)) throw new CliError(`"${id}" is not ${format.says}`, EXIT.usage);
  return encodeURIComponent(id);
}
