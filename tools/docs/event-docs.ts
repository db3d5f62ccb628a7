import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { asyncApiDocument, eventJsonSchemas } from '@firebreak/contracts';

export const DOCS_DIR = 'docs';

/** Every generated file, path relative to the repo root → content. */
export function renderEventDocs(repoRoot: string): Map<string, string> {
  const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const files = new Map<string, string>();
  files.set(
    `${DOCS_DIR}/asyncapi.yaml`,
    `# Generated from libs/contracts by \`npm run docs:generate\`; do not edit.\n${stringify(asyncApiDocument(version), { aliasDuplicateObjects: false })}`,
  );
  for (const [name, schema] of Object.entries(eventJsonSchemas()))
    files.set(`${DOCS_DIR}/schemas/${name}`, `${JSON.stringify(schema, null, 2)}\n`);
  return files;
}
