import type { Bindings, Level, Logger } from 'pino';

const LEVELS = new Set<string | symbol>(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/**
 * A child of `parent` that is only built when something is written at an enabled level: a pino
 * child costs a serialisation of its bindings, and most messages log nothing (or only at `debug`
 * with `info` on). `bindings()` is read when the child is built, so fields learnt after this was
 * made (the event id once parsed) are in it. Anything else on it (`child`, `level`, …) builds the
 * child and is answered by it.
 */
export function lazyChild(parent: Logger, bindings: () => Bindings): Logger {
  let real: Logger | undefined;
  const build = (): Logger => (real ??= parent.child(bindings()));
  return new Proxy({} as Logger, {
    get(_, key) {
      if (real === undefined && LEVELS.has(key)) {
        const level = key as Level;
        return (...args: unknown[]) => {
          if (!parent.isLevelEnabled(level)) return;
          (build()[level] as (...args: unknown[]) => void)(...args);
        };
      }
      const value: unknown = Reflect.get(build(), key);
      return typeof value === 'function' ? value.bind(real) : value;
    },
    set(_, key, value) {
      return Reflect.set(build(), key, value);
    },
  });
}
