import { CliError } from './errors';

/** The most a listing API returns in one page (the services' `limit` maximum). */
export const MAX_PAGE = 500;

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

/** Asks for one page: from `cursor` (none for the first), `size` items at most. */
export type PageFetcher<T> = (cursor: string | undefined, size: number) => Promise<Page<T>>;

/**
 * Follows `nextCursor` until `limit` items passed `keep` or the listing ends. Pages are as big as still needed
 * (all of MAX_PAGE when `keep` filters here). A cursor that comes back twice ends it with an error rather than
 * a loop that never stops.
 */
export async function collectPages<T>(what: string, fetchPage: PageFetcher<T>, limit: number, keep?: (item: T) => boolean): Promise<T[]> {
  const found: T[] = [];
  const seen = new Set<string>();
  for (let cursor: string | undefined; ;) {
    const size = keep ? MAX_PAGE : Math.min(MAX_PAGE, limit - found.length);
    const page = await fetchPage(cursor, size);
    for (const item of page.items) if (!keep || keep(item)) found.push(item);
    if (found.length >= limit || !page.nextCursor) return found.slice(0, limit);
    if (seen.has(page.nextCursor)) throw new CliError(`${what} gave the same page cursor twice; stopped after ${found.length}`);
    seen.add(page.nextCursor);
    cursor = page.nextCursor;
  }
}
