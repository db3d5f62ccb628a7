import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkExecutorConfig } from './check-config';

/** A copy of the shipped config/ and runbooks/ to break. */
function copyOfShipped(): { config: string; runbooks: string } {
  const root = mkdtempSync(join(tmpdir(), 'executor-check-'));
  cpSync('config', join(root, 'config'), { recursive: true });
  cpSync('runbooks', join(root, 'runbooks'), { recursive: true });
  return { config: join(root, 'config'), runbooks: join(root, 'runbooks') };
}

const edit = (path: string, from: string, to: string) => writeFileSync(path, readFileSync(path, 'utf8').replace(from, to));

describe('the runbook-executor config check (what `firebreak check-config` runs for runbooks and automation)', () => {
  it('passes the shipped config/ and runbooks/, one entry per file', () => {
    const files = checkExecutorConfig(resolve('config'), resolve('runbooks'));
    expect(files.filter((file) => !file.ok)).toEqual([]);
    expect(files.map((file) => file.file)).toEqual(
      expect.arrayContaining([
        resolve('config/automation.yaml'),
        resolve('config/services.yaml'),
        resolve('runbooks/high_error_rate.yaml'),
      ]),
    );
  });

  it('names the runbook with an unknown step type and one on a connection connections.yaml lacks', () => {
    const { config, runbooks } = copyOfShipped();
    edit(join(runbooks, 'notify_admin.yaml'), 'uses: notify', 'uses: teleport');
    edit(join(config, 'connections.yaml'), 'name: firebreak', 'name: firebreak_main');
    const failing = checkExecutorConfig(config, runbooks).filter((file) => !file.ok);
    expect(failing.map((file) => [file.file, file.problems])).toEqual([
      [join(runbooks, 'notify_admin.yaml'), [expect.stringMatching(/^steps\.0\.uses: .*one of http, command/)]],
      [join(runbooks, 'postgres_vacuum.yaml'), expect.arrayContaining([expect.stringContaining('"firebreak"')])],
    ]);
  });

  it('names a bad services.yaml entry, and says the connections of runbooks went unchecked', () => {
    const { config, runbooks } = copyOfShipped();
    writeFileSync(join(config, 'services.yaml'), "services:\n  api: ['api-1.internal:99999']\n");
    const files = checkExecutorConfig(config, runbooks);
    expect(files.filter((file) => !file.ok)).toEqual([
      { file: join(config, 'services.yaml'), ok: false, problems: ['services.api.0: the port must be at most 65535'], notes: [] },
    ]);
    expect(files.find((file) => file.file.endsWith('postgres_vacuum.yaml'))?.notes).toEqual([
      'the connections of sql steps were not checked: the settings files did not load',
    ]);
  });
});
