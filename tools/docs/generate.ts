import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DOCS_DIR, renderEventDocs } from './event-docs';

// Regenerates docs/asyncapi.yaml and docs/schemas/*.json from libs/contracts.
const root = resolve(process.cwd());
const files = renderEventDocs(root);
rmSync(join(root, DOCS_DIR, 'schemas'), { recursive: true, force: true });
for (const [path, content] of files) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
process.stdout.write(`wrote ${files.size} files under ${DOCS_DIR}/ (${readdirSync(join(root, DOCS_DIR, 'schemas')).length} schemas)\n`);
