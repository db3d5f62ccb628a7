import type { ExitInfo, ManagedProcess } from './processes';
import { Stack } from './stack';

function fakeProcess(label: string, stopped: string[]) {
  let exit!: (info: ExitInfo) => void;
  const exited = new Promise<ExitInfo>((resolve) => (exit = resolve));
  const proc = {
    label,
    exited,
    forceKilled: false,
    stop: async () => {
      stopped.push(label);
      exit({ code: 0, signal: null });
      return exited;
    },
    kill: () => undefined,
  };
  return { proc: proc as unknown as ManagedProcess, crash: (code: number) => exit({ code, signal: null }) };
}

describe('Stack', () => {
  it('stops services before the infrastructure, and infrastructure last started first', async () => {
    const stopped: string[] = [];
    const stack = new Stack(10);
    stack.add(fakeProcess('nats', stopped).proc, 'infra');
    stack.add(fakeProcess('postgres', stopped).proc, 'infra');
    stack.add(fakeProcess('ingress', stopped).proc, 'service');
    stack.add(fakeProcess('mapper', stopped).proc, 'service');
    await stack.stop();
    expect(stopped).toEqual(['ingress', 'mapper', 'postgres', 'nats']);
  });

  it('reports a service that exits on its own, but not one it stopped', async () => {
    const stack = new Stack(10);
    const unexpected: string[] = [];
    stack.onUnexpectedExit = (proc) => unexpected.push(proc.label);
    const mapper = fakeProcess('mapper', []);
    const ingress = fakeProcess('ingress', []);
    stack.add(mapper.proc, 'service');
    stack.add(ingress.proc, 'service');
    mapper.crash(1);
    await mapper.proc.exited;
    await stack.stop();
    await ingress.proc.exited;
    expect(unexpected).toEqual(['mapper']);
  });

  it('does not report a finished migration task as unexpected', async () => {
    const stack = new Stack(10);
    const onUnexpectedExit = jest.fn();
    stack.onUnexpectedExit = onUnexpectedExit;
    const task = fakeProcess('mapper:migrate', []);
    stack.add(task.proc, 'task');
    task.crash(0);
    await task.proc.exited;
    expect(onUnexpectedExit).not.toHaveBeenCalled();
  });

  it('stops at once what is added while it is coming down, and stops only once', async () => {
    const stopped: string[] = [];
    const stack = new Stack(10);
    stack.add(fakeProcess('ingress', stopped).proc, 'service');
    const first = stack.stop();
    expect(stack.stop()).toBe(first);
    expect(stack.signal.aborted).toBe(true);
    stack.add(fakeProcess('late', stopped).proc, 'infra');
    await first;
    expect(stopped).toEqual(['ingress', 'late']);
  });
});
