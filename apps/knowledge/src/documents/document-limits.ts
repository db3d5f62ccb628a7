import { createHash } from 'node:crypto';

/** The limits of a document written through the API (documents.dto.ts); a backup restores only what fits them. */
export const DOCUMENT_LIMITS = { title: 500, body: 262_144, tag: 64, tags: 50, metadataBytes: 16_384 } as const;

interface Fittable {
  title: string;
  tags: string[];
  metadata: Record<string, unknown>;
  body: string;
}

/**
 * A document the service writes itself (incident write-ups, reported incidents) cut to the API's limits, so a
 * backup of it can always be restored. A tag longer than 64 characters (an alertname can be any length) becomes
 * its first 47 characters, `~` and 16 hex of its hash: still readable, and two long tags stay two tags. Metadata
 * over 16 KiB loses its largest top-level values first (each replaced by a note), and says so in `truncated`.
 */
export function fitDocumentLimits<T extends Fittable>(doc: T): T {
  const tags = [...new Set(doc.tags.map(fitTag).filter((tag) => tag.length > 0))].slice(0, DOCUMENT_LIMITS.tags);
  const title = doc.title.length > DOCUMENT_LIMITS.title ? `${doc.title.slice(0, DOCUMENT_LIMITS.title - 1)}…` : doc.title;
  const body =
    doc.body.length > DOCUMENT_LIMITS.body
      ? `${doc.body.slice(0, DOCUMENT_LIMITS.body - 40)}\n\n(cut: the write-up was too long)\n`
      : doc.body;
  return { ...doc, title, tags, body, metadata: fitMetadata(doc.metadata) };
}

export function fitTag(tag: string): string {
  const trimmed = tag.trim();
  if (trimmed.length <= DOCUMENT_LIMITS.tag) return trimmed;
  return `${trimmed.slice(0, 47).trim()}~${createHash('sha256').update(trimmed, 'utf8').digest('hex').slice(0, 16)}`;
}

function fitMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const fits = (m: Record<string, unknown>) => JSON.stringify(m).length <= DOCUMENT_LIMITS.metadataBytes;
  if (fits(metadata)) return metadata;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) out[key.slice(0, 200)] = value;
  const bySize = Object.keys(out).sort((a, b) => JSON.stringify(out[b]).length - JSON.stringify(out[a]).length);
  const truncated: string[] = [];
  for (const key of bySize) {
    if (fits({ ...out, truncated })) break;
    out[key] = '(too large to keep)';
    truncated.push(key);
  }
  const result = { ...out, truncated };
  // Keys alone over the limit (thousands of them): keep none rather than refuse the write-up.
  return fits(result) ? result : { truncated: ['*'] };
}
