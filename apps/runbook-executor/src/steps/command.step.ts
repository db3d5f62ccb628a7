import { spawn } from 'node:child_process';
import { truncate } from '../common/text';
import { StepResult, StepRunContext, StepRunner } from '../engine/engine.types';
import { excerptOf, RefusedError } from '../definitions/refusal';
import { StepFailure } from '../engine/step-failure';
import { renderText } from '../definitions/template';
import { CommandWith } from '../definitions/step.schemas';

const MAX_OUTPUT = 64 * 1024;
// Commands get a minimal environment: the executor's own (database URL, API tokens) stays out of reach.
const CHILD_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

/** Each argv entry is rendered on its own; a value that would start an entry with "-" could become an option, so it is refused. */
export function renderArgs(templates: string[], ctx: Pick<StepRunContext, 'scope'>): string[] {
  return templates.map((template, index) => {
    const value = renderText(template, ctx.scope);
    if (value.includes('\0')) throw new RefusedError('command-arg', `argument ${index} would contain a NUL byte`);
    if (/^\s*\{\{/.test(template) && value.startsWith('-'))
      throw new RefusedError('command-arg', `argument ${index} = ${excerptOf(value)} would start with "-" and could be read as an option`);
    return value;
  });
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs an allow-listed executable with argv entries, never a shell; an abort (timeout, cancel) kills it. */
export class CommandStepRunner implements StepRunner {
  constructor(private readonly allowed: ReadonlySet<string>) {}

  async run(ctx: StepRunContext): Promise<StepResult> {
    const spec = ctx.step.with as CommandWith;
    if (!this.allowed.has(spec.path)) throw new RefusedError('command-allow', `${spec.path} is not in FIREBREAK_RUNBOOK_COMMANDS_ALLOW`);
    const args = renderArgs(spec.args, ctx);
    const exit = await this.spawn(spec.path, args, ctx.signal);
    const outputs = { exitCode: exit.code, signal: exit.signal, stdout: exit.stdout.trim(), stderr: exit.stderr.trim() };
    const excerpt = truncate(
      `$ ${spec.path} ${args.map((arg) => JSON.stringify(arg)).join(' ')}\n${exit.stdout}${exit.stderr ? `\n[stderr]\n${exit.stderr}` : ''}`,
      4_000,
    );
    if (exit.code === null || !spec.expectExitCode.includes(exit.code)) {
      throw new StepFailure(exit.code === null ? `killed by ${exit.signal}` : `exited with code ${exit.code}`, true, outputs, excerpt);
    }
    return { outputs, excerpt };
  }

  private spawn(path: string, args: string[], signal: AbortSignal): Promise<Exit> {
    return new Promise((resolve, reject) => {
      const child = spawn(path, args, { shell: false, env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString('utf8')).slice(0, MAX_OUTPUT)));
      child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(0, MAX_OUTPUT)));
      const kill = () => child.kill('SIGKILL');
      if (signal.aborted) kill();
      signal.addEventListener('abort', kill, { once: true });
      child.once('error', (error) => {
        signal.removeEventListener('abort', kill);
        reject(new StepFailure(`could not start ${path}: ${error.message}`, false));
      });
      child.once('close', (code, exitSignal) => {
        signal.removeEventListener('abort', kill);
        resolve({ code, signal: exitSignal, stdout, stderr });
      });
    });
  }
}
