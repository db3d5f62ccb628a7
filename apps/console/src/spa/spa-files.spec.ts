import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isApiPath, isAssetPath } from './security-headers';
import { assetFor, hasIndex } from './spa-files';

describe('which file of the built app a path names', () => {
  const root = mkdtempSync(join(tmpdir(), 'firebreak-spa-'));
  const webDir = join(root, 'web');
  beforeAll(() => {
    mkdirSync(join(webDir, 'assets'), { recursive: true });
    writeFileSync(join(webDir, 'index.html'), '<!doctype html>');
    writeFileSync(join(webDir, 'assets', 'index-abc.js'), '');
    writeFileSync(join(root, 'secret.txt'), 'outside');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds the files the app has', () => {
    expect(assetFor(webDir, '/assets/index-abc.js')).toBe('assets/index-abc.js');
    expect(assetFor(webDir, '/index.html')).toBe('index.html');
    expect(hasIndex(webDir)).toBe(true);
  });

  it('names no file for a client-side route, a directory or a missing file (the page answers those)', () => {
    for (const path of ['/', '/alerts/abc', '/assets', '/assets/missing.js']) expect(assetFor(webDir, path)).toBeUndefined();
  });

  it('never names a file outside the app, however the path is written', () => {
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00',
      '/%zz',
    ]) {
      expect(assetFor(webDir, path)).toBeUndefined();
    }
  });

  it('knows when the app is not built', () => {
    expect(hasIndex(join(root, 'missing'))).toBe(false);
  });

  it('knows the paths a missing file of which is a 404, not the page', () => {
    for (const path of ['/assets/missing.js', '/assets/x/y.css', '/index.js.map']) expect(isAssetPath(path)).toBe(true);
    for (const path of ['/', '/alerts/abc', '/assets', '/assetsx/a.js']) expect(isAssetPath(path)).toBe(false);
  });

  it('keeps API paths away from the page', () => {
    for (const path of ['/api/x', '/api', '/health/ready', '/metrics', '/docs', '/docs-json', '/mcp']) expect(isApiPath(path)).toBe(true);
    for (const path of ['/', '/alerts', '/apis', '/healthy', '/metrics-page']) expect(isApiPath(path)).toBe(false);
  });
});
