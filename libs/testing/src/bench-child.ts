import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/**
 * For benches: starts `script` (a built .js) in its own Node process, so that what it does (publishing a workload)
 * is not counted in this process's CPU, and resolves once it printed `ready`. `go()` ends its stdin with a line, for
 * a child that waits for it before starting; `exited` rejects when it exits with an error. The child inherits this
 * process's environment (the installation the bench pointed it at).
 */
export async function startBenchChild(script: string, args: readonly string[]): Promise<{ go(): void; exited: Promise<void> }> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  if (line !== 'ready') throw new Error(`${script} said ${line}`);
  const exited = once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`${script} exited ${String(code)}`);
  });
  return { go: () => child.stdin.end('go\n'), exited };
}
