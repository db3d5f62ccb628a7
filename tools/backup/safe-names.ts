import { createHash } from 'node:crypto';

/** Plain ids are used as they are: letters, digits, `.`, `_`, `-`, not starting with `.` or `-`, at most 100 characters. */
const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;
/** Names Windows refuses whatever the extension (a snapshot may be checked out there from git). */
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/**
 * A file name (without extension) for an id that may be anything a service accepts: `/`, `..`, NUL, control
 * characters or 10 KB of text. A plain id is its own name; any other becomes a readable slug plus a hash of
 * the whole id (`~` marks it, and no plain id contains `~`), so two ids never share a name. Restore reads the
 * id from the file's content, never from its name.
 */
export function safeFileName(id: string): string {
  if (PLAIN.test(id) && !RESERVED.test(id)) return id;
  const slug = id
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[.-]+/, '')
    .slice(0, 60);
  const hash = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 16);
  return `${slug || 'id'}~${hash}`;
}
