/** Sent with every page and asset: the app loads only its own code, and nothing may frame it. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Paths that belong to an API, never to the page: an unknown one is a JSON 404, not index.html. */
export function isApiPath(path: string): boolean {
  return /^\/(api|health)(\/|$)/.test(path) || /^\/(metrics|mcp)$/.test(path) || path.startsWith('/docs');
}

/** Files Vite writes (`/assets/…`) and source maps: a missing one is a 404, never index.html. */
export function isAssetPath(path: string): boolean {
  return path.startsWith('/assets/') || path.endsWith('.map');
}
