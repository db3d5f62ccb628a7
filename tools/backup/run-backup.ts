import { ApiClient } from './api-client';
import { collectAll, countsOf } from './collect';
import { DEFAULT_RETENTION } from './retention';
import { publicUrls, ToolSettings } from './settings';
import { Counts } from './snapshot-format';
import { pruneSnapshots, writeSnapshot } from './snapshot-files';

export interface BackupResult {
  path: string;
  counts: Counts;
  removed: string[];
}

/** One backup: read everything through the APIs, write the snapshot (complete or not at all), apply retention. */
export async function runBackup(settings: ToolSettings, outDir: string, now: () => Date = () => new Date()): Promise<BackupResult> {
  const api = new ApiClient(settings);
  const startedAt = now();
  const content = await collectAll(api);
  const path = await writeSnapshot(outDir, content, { createdAt: startedAt.toISOString(), services: publicUrls(settings.urls) }, startedAt);
  const removed = await pruneSnapshots(outDir, DEFAULT_RETENTION, now());
  return { path, counts: countsOf(content), removed };
}
