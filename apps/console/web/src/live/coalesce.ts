interface Window {
  pending: boolean;
  waiting: number;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Runs `run(key)` at most once per `intervalMs` for each key: the first request runs at once, any further
 * requests inside the window collapse into one run when it closes. A window stays open until the run has
 * also finished, so a slow refetch is never overtaken by the next one. During an alert storm every event
 * asks for a refetch; without this each one would cancel the previous fetch and the list would never arrive.
 */
export function createCoalescer(run: (key: string) => void | Promise<unknown>, intervalMs = 1500) {
  const windows = new Map<string, Window>();
  const settle = (key: string, window: Window) => {
    if (--window.waiting > 0 || windows.get(key) !== window) return;
    windows.delete(key);
    if (window.pending) request(key);
  };
  const request = (key: string) => {
    const open = windows.get(key);
    if (open) {
      open.pending = true;
      return;
    }
    const window: Window = { pending: false, waiting: 2, timer: setTimeout(() => settle(key, window), intervalMs) };
    windows.set(key, window);
    let result: void | Promise<unknown>;
    try {
      result = run(key);
    } catch {
      result = undefined;
    }
    void Promise.resolve(result)
      .catch(() => undefined)
      .finally(() => settle(key, window));
  };
  const dispose = () => {
    windows.forEach((window) => clearTimeout(window.timer));
    windows.clear();
  };
  return { request, dispose };
}
