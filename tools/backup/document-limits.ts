import { KnowledgeDocument, SnapshotFormatError } from './snapshot-format';

/**
 * The knowledge service's limits for a restored document (apps/knowledge documents.dto.ts: the API's own create
 * limits). Checked for every document while the snapshot is read, before anything is changed: a snapshot holding
 * one that the service would refuse is refused up front, naming the file, instead of stopping half-restored.
 */
const LIMITS = {
  id: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/,
  title: 500,
  content: 262_144,
  tag: 64,
  tags: 50,
  metadataBytes: 16_384,
  metadataKey: 200,
};

export function checkDocumentLimits(doc: KnowledgeDocument, file: string): KnowledgeDocument {
  const refuse = (why: string): never => {
    throw new SnapshotFormatError(file, `the knowledge service would refuse this document: ${why}`);
  };
  const hasNul = (s: string) => s.includes('\u0000');
  if (!LIMITS.id.test(doc.id)) refuse(`id ${JSON.stringify(doc.id.slice(0, 80))} is not a document id`);
  if (!doc.title.trim() || doc.title.length > LIMITS.title || hasNul(doc.title)) refuse(`title must be 1 to ${LIMITS.title} characters`);
  if (!doc.content || doc.content.length > LIMITS.content || hasNul(doc.content))
    refuse(`content must be 1 to ${LIMITS.content} characters (has ${doc.content.length})`);
  if (doc.tags.length > LIMITS.tags) refuse(`at most ${LIMITS.tags} tags (has ${doc.tags.length})`);
  for (const tag of doc.tags)
    if (!tag.trim() || tag.trim().length > LIMITS.tag)
      refuse(`tag ${JSON.stringify(tag.slice(0, 80))} must be 1 to ${LIMITS.tag} characters`);
  if (JSON.stringify(doc.metadata).length > LIMITS.metadataBytes) refuse(`metadata must be at most ${LIMITS.metadataBytes} bytes of JSON`);
  for (const key of Object.keys(doc.metadata))
    if (key.length > LIMITS.metadataKey) refuse(`a metadata key is over ${LIMITS.metadataKey} characters`);
  if (!['api', 'incident'].includes(doc.source)) refuse(`source must be api or incident`);
  return doc;
}
