// The token lives in sessionStorage: it is gone when the tab closes and is never sent as a cookie, so
// no other site can make the browser use it (no CSRF), and the console itself keeps no sessions.
const KEY = 'firebreak.token';
const listeners = new Set<() => void>();

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim());
  listeners.forEach((listener) => listener());
}

export function signOutEverywhere(): void {
  sessionStorage.removeItem(KEY);
  listeners.forEach((listener) => listener());
}

export function onTokenChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * `npm start` prints `http://…:8090/#token=…` (as Jupyter does). A fragment never reaches a server or its
 * logs; it is taken into sessionStorage and removed from the address bar at once.
 */
export function takeTokenFromLocation(): void {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!match) return;
  setToken(decodeURIComponent(match[1]));
  const rest = window.location.hash.replace(/(?:^#|&)token=[^&]+/, '').replace(/^&/, '#');
  window.history.replaceState(null, '', window.location.pathname + window.location.search + (rest.length > 1 ? rest : ''));
}
