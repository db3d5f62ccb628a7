import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfigPath, resolveSettings, SettingsError } from './settings';

describe('CLI settings', () => {
  let dir: string;
  const write = (name: string, text: string, mode = 0o600) => {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    chmodSync(path, mode);
    return path;
  };

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'firebreak-cli-settings-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to 127.0.0.1 and each service port, with no token and no file', () => {
    const settings = resolveSettings({ env: { HOME: dir } });
    expect(settings.urls).toMatchObject({
      ingress: 'http://127.0.0.1:8080',
      mapper: 'http://127.0.0.1:8081',
      'slo-reporter': 'http://127.0.0.1:8085',
    });
    expect(settings.token).toBeUndefined();
    expect(settings.warnings).toEqual([]);
  });

  it('finds the file under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(defaultConfigPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/firebreak/config.yml');
    expect(defaultConfigPath({ HOME: '/h' })).toBe('/h/.config/firebreak/config.yml');
  });

  it('takes flag over env over file over default, for the token and each URL', () => {
    write('.config/firebreak/config.yml', 'token: from-file\nurls:\n  mapper: http://file-mapper:1/\n  notifier: http://file-notifier:2\n');
    const env = { HOME: dir, FIREBREAK_URL_MAPPER: 'http://env-mapper:3', FIREBREAK_TOKEN: 'from-env' };
    const fromEnv = resolveSettings({ env });
    expect(fromEnv).toMatchObject({ token: 'from-env', tokenFrom: 'FIREBREAK_TOKEN' });
    expect(fromEnv.urls).toMatchObject({
      mapper: 'http://env-mapper:3',
      notifier: 'http://file-notifier:2',
      knowledge: 'http://127.0.0.1:8086',
    });
    expect(resolveSettings({ env, token: 'from-flag' })).toMatchObject({ token: 'from-flag', tokenFrom: '--token' });
    const fromFile = resolveSettings({ env: { HOME: dir } });
    expect(fromFile.token).toBe('from-file');
    expect(fromFile.urls.mapper).toBe('http://file-mapper:1');
  });

  it('reads --config instead of the default file, and fails when that file is missing', () => {
    const path = write('elsewhere.yml', 'token: other');
    expect(resolveSettings({ env: { HOME: dir }, configPath: path }).token).toBe('other');
    expect(() => resolveSettings({ env: { HOME: dir }, configPath: join(dir, 'missing.yml') })).toThrow(SettingsError);
  });

  it('warns when others may read the file (it holds a token)', () => {
    const path = write('c.yml', 'token: t', 0o644);
    expect(resolveSettings({ env: {}, configPath: path }).warnings).toEqual([expect.stringContaining('readable by other users')]);
    chmodSync(path, 0o640);
    expect(resolveSettings({ env: {}, configPath: path }).warnings).toHaveLength(1);
    chmodSync(path, 0o600);
    expect(resolveSettings({ env: {}, configPath: path }).warnings).toEqual([]);
  });

  it('refuses a file that is not the expected shape, naming the field', () => {
    const cases: Array<[string, RegExp]> = [
      ['token: [1]', /token must be a string/],
      ['- a', /expected a mapping/],
      ['urls: { nope: http://x }', /urls.nope is not a service/],
      ['urls: { mapper: 1 }', /urls.mapper must be a string/],
      ['urls: [a]', /urls must be a mapping/],
      ['token: "unclosed', /not valid YAML/],
    ];
    for (const [text, message] of cases) expect(() => resolveSettings({ env: {}, configPath: write('bad.yml', text) })).toThrow(message);
  });

  it('accepts an empty file', () => {
    expect(resolveSettings({ env: {}, configPath: write('empty.yml', '') }).token).toBeUndefined();
  });
});
