export const DOCUMENT_TYPES = ['static', 'dynamic', 'template'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];
export const DOCUMENT_SOURCES = ['runbook', 'api', 'incident', 'template'] as const;
export type DocumentSource = (typeof DOCUMENT_SOURCES)[number];
/** Firebreak's severities and the seed's (high/medium/low), so documents written for either are accepted. */
export const DOCUMENT_SEVERITIES = ['critical', 'high', 'error', 'warning', 'medium', 'low', 'info'] as const;

/** What a writer gives; the store adds version and times. */
export interface DocumentDraft {
  id: string;
  title: string;
  type: DocumentType;
  severity: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  body: string;
  source: DocumentSource;
}

export interface StoredDocument extends DocumentDraft {
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The API's view (seed 001's field names). */
export function documentView(doc: StoredDocument) {
  return {
    id: doc.id,
    title: doc.title,
    type: doc.type,
    severity: doc.severity,
    tags: doc.tags,
    metadata: doc.metadata,
    content: doc.body,
    source: doc.source,
    version: doc.version,
    created_at: doc.createdAt.toISOString(),
    last_updated: doc.updatedAt.toISOString(),
  };
}
