import { createHash } from 'node:crypto';
import { DataOf, deriveEventId } from '@firebreak/contracts';
import { truncate } from '../common/text';
import type { LoadedRunbook } from './runbook-loader';

export type CatalogChanged = DataOf<'runbooks.catalog.changed'>;

/** The contract's caps: a longer prose is cut (saying so), never rejected. */
export const PROSE_CAP = 65_536;
const DESCRIPTION_CAP = 4_000;

/** What a catalogue event says about the runbook in force (its metadata and prose, never its steps). */
function describe(loaded: LoadedRunbook): Pick<CatalogChanged, 'title' | 'description' | 'severity' | 'tags' | 'prose'> {
  const { runbook, prose } = loaded;
  return {
    title: runbook.title,
    description: truncate(runbook.description, DESCRIPTION_CAP),
    severity: runbook.severity,
    tags: runbook.tags,
    ...(prose === null ? {} : { prose: truncate(prose, PROSE_CAP) }),
  };
}

/**
 * The event of one stored version (a PUT, or a DELETE): its id depends only on the runbook id and the version, so
 * announcing it again (a replica starting) is dropped by JetStream within its window, and upserted by consumers after.
 *
 * `version` is the id's sequence in stored_runbooks (assigned under the per-id lock, so it grows in commit order) for
 * every announcement, whatever is in force: a DELETE of a runbook that has a file announces the file, in force again
 * (`upserted`, `source: file`), with the tombstone's version; a DELETE of one that has none announces `deleted` with
 * it. Either way the event says what the catalogue now holds for the id, and the highest version is the latest
 * state: a consumer keeps, per `runbookId`, the announcement with the highest version and orders by nothing else
 * (replica clocks differ).
 */
export function storedChangeEvent(
  change: { runbookId: string; version: number; changedBy: string; at: Date },
  inForce: LoadedRunbook | undefined,
): { id: string; data: CatalogChanged } {
  const id = deriveEventId('runbook-catalog', change.runbookId, 'api', change.version);
  const common = { runbookId: change.runbookId, changedBy: change.changedBy, at: change.at.toISOString(), version: change.version };
  if (!inForce) return { id, data: { ...common, action: 'deleted', source: 'api', tags: [] } };
  return { id, data: { ...common, action: 'upserted', source: inForce.source, ...describe(inForce) } };
}

/** A hash of what a file says, so a restart with unchanged files announces the same event ids. */
export function contentHash(loaded: LoadedRunbook): string {
  return createHash('sha256')
    .update(JSON.stringify([loaded.runbook, loaded.prose]))
    .digest('hex');
}

/**
 * The start-up announcement of a runbook in force. A stored one: the event of the PUT that stored it (same id). A
 * file: `sequence` is the id's current version in stored_runbooks (a tombstone's, 0 if never stored), so it is never
 * below what a DELETE announced; its event id comes from that and the content (unchanged files, unchanged ids: a
 * restart or a second replica does not flood).
 */
export function startupEvent(loaded: LoadedRunbook, at: Date, sequence: number): { id: string; data: CatalogChanged } {
  const runbookId = loaded.runbook.id;
  if (loaded.source === 'api')
    return storedChangeEvent(
      { runbookId, version: loaded.version, changedBy: loaded.stored?.by ?? 'unknown', at: loaded.stored?.at ?? at },
      loaded,
    );
  return {
    id: deriveEventId('runbook-catalog', runbookId, 'file', sequence, contentHash(loaded)),
    data: { runbookId, action: 'upserted', source: 'file', version: sequence, at: at.toISOString(), ...describe(loaded) },
  };
}
