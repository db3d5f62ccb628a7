import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { EVENTS, SUBJECTS } from '@firebreak/contracts';
import { DOCS_DIR, renderEventDocs } from './event-docs';

const root = resolve(__dirname, '../..');

describe('generated event documentation', () => {
  const files = renderEventDocs(root);

  it('is current: regenerate with `npm run docs:generate` after changing libs/contracts', () => {
    const stale = [...files]
      .filter(([path, content]) => !existsSync(join(root, path)) || readFileSync(join(root, path), 'utf8') !== content)
      .map(([path]) => path);
    const extra = readdirSync(join(root, DOCS_DIR, 'schemas')).filter((name) => !files.has(`${DOCS_DIR}/schemas/${name}`));
    expect({ stale, extra }).toEqual({ stale: [], extra: [] });
  });

  it('documents every subject in the AsyncAPI 3 document with its CloudEvents payload', () => {
    const document = parse(files.get(`${DOCS_DIR}/asyncapi.yaml`)!);
    expect(document.asyncapi).toBe('3.0.0');
    const addresses = Object.values(document.channels as Record<string, { address: string }>).map((channel) => channel.address);
    expect(addresses).toEqual(expect.arrayContaining([...SUBJECTS, 'dlq.{originalSubject}']));
    const notify = document.components.messages[EVENTS['alerts.notify'].type.replace(/\./g, '_')];
    expect(notify.payload.properties.type.const).toBe('firebreak.alerts.notify.v1');
    expect(notify.payload.required).toEqual(expect.arrayContaining(['specversion', 'id', 'source', 'type', 'time', 'data']));
  });

  it('publishes one JSON Schema per event type', () => {
    for (const subject of SUBJECTS) expect(files.has(`${DOCS_DIR}/schemas/${EVENTS[subject].type}.json`)).toBe(true);
  });
});
