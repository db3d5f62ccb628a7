import { resolve } from 'node:path';
import { writeConfigDir } from './testing/mapper-harness';
import { checkMapperConfig } from './check-config';

describe('the mapper config check (what `firebreak check-config` runs for the mapper)', () => {
  it('passes the shipped config/', () => {
    expect(checkMapperConfig(resolve('config'))).toEqual([
      { file: resolve('config/mappings.yaml'), ok: true, problems: [], notes: [] },
      { file: resolve('config/escalation.yaml'), ok: true, problems: [], notes: [] },
    ]);
  });

  it('names the entry of each broken file, and leaves out files that are absent', () => {
    const dir = writeConfigDir({
      'mappings.yaml': 'alertnames:\n  ServiceDown: "rm -rf /"\nrules:\n  - matchers: [\'team=~"(db"\']\n    runbook: db\n',
      'escalation.yaml': 'escalation:\n  critical: soon\n',
    });
    const [mappings, escalation] = checkMapperConfig(dir);
    expect(mappings).toMatchObject({ file: resolve(dir, 'mappings.yaml'), ok: false });
    expect(mappings.problems).toEqual([
      expect.stringMatching(/^alertnames\.ServiceDown: must be a runbook id/),
      expect.stringMatching(/^rules\.0\.matchers\.0: invalid regex/),
    ]);
    expect(escalation).toMatchObject({ ok: false, problems: [expect.stringMatching(/^escalation\.critical: "soon" is not a duration/)] });
    expect(checkMapperConfig(writeConfigDir({}))).toEqual([]);
  });
});
