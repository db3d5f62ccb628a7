import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './main';
import { createProgram } from './program';

describe('firebreak --help', () => {
  let help = '';
  createProgram({}, () => undefined)
    .configureOutput({ writeOut: (text) => (help += text) })
    .outputHelp();

  it('lists every exit code, 4 (sent, no answer: check before retrying) among them', () => {
    expect(help).toContain('3  a service cannot be reached (nothing was sent)');
    expect(help).toContain('4  a change was sent but no answer came back: it may have taken effect; check (show/list) before retrying');
  });

  it('says --token shows in ps and FIREBREAK_TOKEN is preferred, and that the config file wants chmod 600', () => {
    expect(help.replace(/\s+/g, ' ')).toContain('other users see it in ps: prefer FIREBREAK_TOKEN');
    expect(help).toContain('keep it chmod 600');
  });
});

describe('ids in paths', () => {
  let home: string;
  let stderr: string;
  let write: jest.SpyInstance;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'firebreak-cli-ids-'));
    stderr = '';
    write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    write.mockRestore();
    rmSync(home, { recursive: true, force: true });
  });

  // Port 9, which fetch will not dial: any request the CLI tried would be exit 3 (cannot reach), not 2.
  const env = () => ({
    HOME: home,
    FIREBREAK_TOKEN: 't',
    ...Object.fromEntries(
      ['MAPPER', 'RUNBOOK_EXECUTOR', 'DETECTOR_SCHEDULER'].map((name) => [`FIREBREAK_URL_${name}`, 'http://127.0.0.1:9']),
    ),
  });

  it('refuses dot segments and empty ids before any request (usage, exit 2)', async () => {
    const cases = [
      ['detector', 'run', '.'],
      ['execution', 'cancel', '..', '-c', 'x'],
      ['execution', 'show', ''],
      ['alert', 'ack', '..'],
      ['approval', 'approve', '.'],
      ['runbook', 'run', '..'],
      ['runbook', 'show', '.'],
    ];
    for (const argv of cases) {
      stderr = '';
      expect(await run(argv, env())).toBe(2);
      expect(stderr).toMatch(/^firebreak: "\.{0,2}" is not an? [a-z ]+ id|^firebreak: "\.{0,2}" is not an alert fingerprint/);
    }
  });
});
