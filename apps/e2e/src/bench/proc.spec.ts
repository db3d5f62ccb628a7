import { parseStat, parseVmRssKb, processTree, RssSeries } from './proc';

describe('/proc reading', () => {
  it('parses a stat line whose command name holds spaces and parentheses', () => {
    const line = '4242 (node (ingress) w) S 4200 4242 4200 0 -1 4194560 9 0 0 0 150 25 0 0 20 0 11 0 900 1 2 3';
    expect(parseStat(line)).toEqual({ pid: 4242, comm: 'node (ingress) w', ppid: 4200, cpuTicks: 175 });
    expect(parseStat('garbage')).toBeUndefined();
  });

  it('reads VmRSS in kB, 0 for a process without one', () => {
    expect(parseVmRssKb('Name:\tnode\nVmPeak:\t 900 kB\nVmRSS:\t  123456 kB\nRssAnon:\t 1 kB\n')).toBe(123456);
    expect(parseVmRssKb('Name:\tkthreadd\nState:\tS\n')).toBe(0);
  });

  it('finds a process and all it started, not its siblings', () => {
    const stat = (pid: number, ppid: number) => ({ pid, ppid, comm: 'node', cpuTicks: 0 });
    const table = [stat(1, 0), stat(10, 1), stat(11, 10), stat(12, 10), stat(13, 11), stat(20, 1)];
    expect(processTree(10, table).sort((a, b) => a - b)).toEqual([10, 11, 12, 13]);
    expect(processTree(99, table)).toEqual([99]);
  });

  it('keeps first, peak and last RSS per service and reports growth', () => {
    const series = new RssSeries();
    for (const mb of [100, 140, 120]) series.record('mapper', mb);
    series.record('ingress', 80);
    expect(series.growth()).toEqual([
      { service: 'mapper', firstMb: 100, peakMb: 140, lastMb: 120, growthMb: 20, samples: 3 },
      { service: 'ingress', firstMb: 80, peakMb: 80, lastMb: 80, growthMb: 0, samples: 1 },
    ]);
  });
});
