import { safeFileName } from './safe-names';
import {
  documentFromMarkdown,
  documentToMarkdown,
  KnowledgeDocument,
  runbookFromYaml,
  runbookToYaml,
  SnapshotFormatError,
} from './snapshot-format';

describe('safeFileName', () => {
  it('keeps a plain id as it is', () => {
    expect(safeFileName('restart_service')).toBe('restart_service');
    expect(safeFileName('incident-ab12cd-7')).toBe('incident-ab12cd-7');
  });

  it.each([
    ['../../etc/passwd'],
    ['..'],
    ['.'],
    ['a/b'],
    ['a\\b'],
    ['nul\u0000byte'],
    ['x'.repeat(10_000)],
    ['CON'],
    ['-rf'],
    ['émoji 🔥'],
    ['line\nbreak'],
  ])('makes %j a single safe name', (id) => {
    const name = safeFileName(id);
    expect(name).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._~-]{0,80}$/);
    expect(name).not.toBe(id);
  });

  it('gives ids differing only in case names that differ case-insensitively too', () => {
    const names = ['DiskFull', 'diskfull', 'DISKFULL', 'diskFull'].map(safeFileName);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(4);
    expect(safeFileName('diskfull')).toBe('diskfull');
  });

  it('never gives two ids one name', () => {
    expect(safeFileName('a/b')).not.toBe(safeFileName('a_b~'));
    expect(safeFileName('a/b')).not.toBe(safeFileName('a\\b'));
    expect(safeFileName('x'.repeat(200) + '1')).not.toBe(safeFileName('x'.repeat(200) + '2'));
  });
});

describe('snapshot files', () => {
  const doc: KnowledgeDocument = {
    id: 'doc-disk-full-1a2b',
    title: 'Disk: full',
    type: 'static',
    severity: null,
    tags: ['disk', 'linux'],
    metadata: { owner: 'sre', nested: { list: [1, 'two'] } },
    source: 'api',
    content: '# Disk full\n\n---\n\nA rule above, trailing spaces   \nand no final newline',
  };

  it('keeps a document’s content byte for byte, a --- line in the body included', () => {
    expect(documentFromMarkdown(documentToMarkdown(doc), 'x.md')).toEqual(doc);
    const withFrontMatterLookalike = { ...doc, title: 'a\n---\nb', content: '---\nfoo: bar\n---\n' };
    expect(documentFromMarkdown(documentToMarkdown(withFrontMatterLookalike), 'x.md')).toEqual(withFrontMatterLookalike);
  });

  it('round-trips a runbook definition and its prose', () => {
    const runbook = {
      id: 'restart_api',
      prose: '# Restart\n',
      definition: { id: 'restart_api', steps: [{ uses: 'http', with: { url: 'http://x' } }] },
    };
    expect(runbookFromYaml(runbookToYaml(runbook), 'r.yaml')).toEqual(runbook);
  });

  it('names the file and the problem for a broken one', () => {
    expect(() => documentFromMarkdown('no front matter', 'knowledge/static/a.md')).toThrow(SnapshotFormatError);
    expect(() => documentFromMarkdown('---\nid: a\ntitle: t\ntype: static\nsource: runbook\n---\nbody', 'a.md')).toThrow(
      'a.md: missing or invalid: source (api or incident)',
    );
    expect(() => runbookFromYaml('id: [unclosed', 'runbooks/x.yaml')).toThrow(/^runbooks\/x.yaml: /);
    // A billion-laughs document is an error, not gigabytes.
    const laughs = [
      'a: &a [x,x,x,x,x,x,x,x,x,x]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]}]`,
      ),
    ];
    expect(() => runbookFromYaml(`${laughs.join('\n')}\nid: x\ndefinition: *i\n`, 'bomb.yaml')).toThrow(SnapshotFormatError);
  });
});
