import { parseDocument } from 'yaml';
import { AppError } from '@firebreak/platform';

/** A prose larger than this is refused (the catalogue event carries at most PROSE_CAP of it). */
export const MAX_PROSE = 262_144;

export interface StoreBody {
  definition: Record<string, unknown>;
  prose: string | null;
}

const invalid = (issues: string[]) => new AppError('validation_failed', issues.join('; '), 400, { issues });

/**
 * The body of `PUT /api/v1/runbooks/:id`: the runbook definition as JSON, or as YAML (`Content-Type:
 * application/yaml`, arriving here as text), plus an optional `prose` (Markdown). The definition itself is validated
 * by the service with the checks files get; this only splits the two and refuses what is not an object.
 */
export function parseStoreBody(body: unknown): StoreBody {
  let value = body;
  if (typeof body === 'string') {
    const document = parseDocument(body);
    if (document.errors.length) throw invalid(document.errors.map((error) => `yaml: ${error.message.split('\n')[0]}`));
    try {
      // A bounded alias count: a billion-laughs document is an error, not a gigabyte object.
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      throw invalid([`yaml: ${(error as Error).message.split('\n')[0]}`]);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalid(['(root): the body must be a runbook definition (an object)']);
  const { prose, ...definition } = value as Record<string, unknown>;
  if (prose !== undefined && prose !== null && typeof prose !== 'string') throw invalid(['prose: must be a string (Markdown)']);
  if (typeof prose === 'string' && prose.length > MAX_PROSE) throw invalid([`prose: must be at most ${MAX_PROSE} characters`]);
  return { definition, prose: typeof prose === 'string' ? prose : null };
}
