import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LauncherError } from './errors';

export const TOKEN_FILE = 'console-admin-token';
export const FIRST_RUN_TOKEN_NAME = 'local-admin';

export interface ApiTokenSetup {
  /** What every service gets as FIREBREAK_API_TOKENS. */
  apiTokens: string;
  /** The token the launcher made (or found) for this machine; undefined when FIREBREAK_API_TOKENS was set. */
  localAdminToken?: string;
  /** Where it is kept. */
  file?: string;
  /** The token was made on this start (not read from the file): the one time it is printed in any case. */
  created?: boolean;
}

/**
 * A first run has no API tokens, so nothing could read the API or sign in to the console. Then the
 * launcher makes one admin token for this machine, kept in `<dataDir>/console-admin-token` (mode 0600) and
 * reused on every later start. Tokens given in FIREBREAK_API_TOKENS always win, and no file is made.
 */
export function setUpApiTokens(given: string | undefined, dataDir: string): ApiTokenSetup {
  if (given?.trim()) return { apiTokens: given };
  const file = join(dataDir, TOKEN_FILE);
  const existing = readToken(file);
  const token = existing ?? createToken(file, dataDir);
  return { apiTokens: `${token}:admin:${FIRST_RUN_TOKEN_NAME}`, localAdminToken: token, file, created: existing === undefined };
}

function readToken(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LauncherError('bad_config', `cannot read ${file}: ${(error as Error).message}`);
  }
  const token = text.trim();
  if (!/^[A-Za-z0-9_-]{32,}$/.test(token)) {
    throw new LauncherError(
      'bad_config',
      `${file} does not hold a token (32+ base64url characters); delete it and start again for a new one`,
    );
  }
  // Someone may have copied it around with a wider mode; it grants admin, so only its owner reads it.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return token;
}

function createToken(file: string, dataDir: string): string {
  const token = randomBytes(32).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  // wx: never overwrite a token another launcher wrote a moment ago.
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return token;
}
