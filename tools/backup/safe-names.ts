import { createHash } from 'node:crypto';

/**
 * Plain ids are used as they are: lower-case letters, digits, `.`, `_`, `-`, not starting with `.` or `-`, at most
 * 100 characters. An upper-case letter makes an id not plain: on a case-insensitive file system (macOS, Windows)
 * `DiskFull` and `diskfull` would share one file, so such ids get the hash suffix, which tells them apart.
 */
const PLAIN = /^[a-z0-9_][a-z0-9._-]{0,99}$/;
/** Names Windows refuses whatever the extension (a snapshot may be checked out there from git). */
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/**
 * A file name (without extension) for an id that may be anything a service accepts: `/`, `..`, NUL, control
 * characters or 10 KB of text. A plain id is its own name; any other becomes a readable slug plus a hash of
 * the whole id (`~` marks it, and no plain id contains `~`), so two ids never share a name, even compared
 * case-insensitively (the hash is lower-case hex and differs for ids differing only in case). Restore reads the
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
