import { statSync } from 'node:fs';
import { join, posix } from 'node:path';

/**
 * The file under the app's directory a URL path names, relative to it; undefined when it names none
 * (a client-side route, which gets index.html). Never a path outside the directory.
 */
export function assetFor(webDir: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const relative = posix.normalize(decoded).replace(/^\/+/, '');
  if (relative === '' || relative === '.' || relative.split('/').includes('..')) return undefined;
  try {
    return statSync(join(webDir, relative)).isFile() ? relative : undefined;
  } catch {
    return undefined;
  }
}

export function hasIndex(webDir: string): boolean {
  return assetFor(webDir, '/index.html') !== undefined;
}

export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Firebreak console</title></head>
<body><h1>Firebreak console</h1><p>The console's page is not built yet. Run <code>npm run build</code>, then reload.</p></body></html>
`;
