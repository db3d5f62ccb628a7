import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBackupSchedule } from './backup-schedule';
import { setUpApiTokens, TOKEN_FILE } from './first-run-token';

describe('setUpApiTokens', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'firebreak-launcher-')), '.data');
  });
  afterEach(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  it('makes an admin token on the first run, 32 random bytes in base64url, readable by its owner only', () => {
    const setup = setUpApiTokens(undefined, dataDir);
    expect(setup.localAdminToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(setup.apiTokens).toBe(`${setup.localAdminToken}:admin:local-admin`);
    const file = join(dataDir, TOKEN_FILE);
    expect(setup.file).toBe(file);
    expect(readFileSync(file, 'utf8').trim()).toBe(setup.localAdminToken);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(setup.created).toBe(true);
  });

  it('reuses the token on later runs', () => {
    const first = setUpApiTokens(undefined, dataDir);
    const second = setUpApiTokens('', dataDir);
    expect(second.localAdminToken).toBe(first.localAdminToken);
    expect(second.created).toBe(false);
  });

  it('makes two machines (data dirs) two different tokens', () => {
    const other = join(dataDir, 'elsewhere');
    expect(setUpApiTokens(undefined, dataDir).localAdminToken).not.toBe(setUpApiTokens(undefined, other).localAdminToken);
  });

  it('narrows a token file someone made readable by others back to 0600', () => {
    const token = setUpApiTokens(undefined, dataDir).localAdminToken;
    const file = join(dataDir, TOKEN_FILE);
    chmodSync(file, 0o644);
    expect(setUpApiTokens(undefined, dataDir).localAdminToken).toBe(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('uses FIREBREAK_API_TOKENS as given and makes no file when it is set', () => {
    const setup = setUpApiTokens('secret-token-123:viewer:ci', dataDir);
    expect(setup).toEqual({ apiTokens: 'secret-token-123:viewer:ci' });
    expect(existsSync(join(dataDir, TOKEN_FILE))).toBe(false);
  });

  it('refuses a token file that holds no token, saying how to get a new one', () => {
    setUpApiTokens(undefined, dataDir);
    writeFileSync(join(dataDir, TOKEN_FILE), 'short\n');
    expect(() => setUpApiTokens(undefined, dataDir)).toThrow(/does not hold a token.*delete it/);
  });

  it('lets the scheduled backup run on a first run, with the local admin token', () => {
    const setup = setUpApiTokens(undefined, dataDir);
    const schedule = readBackupSchedule({ FIREBREAK_API_TOKENS: setup.apiTokens }, '/repo');
    expect(schedule).toMatchObject({ enabled: true, settings: { token: setup.localAdminToken } });
  });
});
