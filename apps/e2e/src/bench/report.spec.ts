import { human, markdownTable, MachineSummary, resultText, Row, textTable, withRatios } from './report';

const machine: MachineSummary = {
  cores: 2,
  node: 'v24.1.0',
  loadAtStart: [0.5, 0.25, 0.1],
  loadAtEnd: [1.5, 1, 0.5],
  busyAtStart: 'CPU 3 % busy',
  busyAtEnd: 'CPU 40 % busy (postgres 35 %)',
};

const rows: Row[] = [
  { id: 'alertmanager', name: 'Alertmanager', value: 28_600, unit: 'alerts/s', p50Ms: 20, p99Ms: 161 },
  { id: 'ingress', name: 'ingress alone', value: 11_600, unit: 'alerts/s', p99Ms: 82, versus: 'alertmanager' },
  { id: 'stack', name: 'ingress | stack', value: 3_900, unit: 'alerts/s', versus: 'alertmanager', note: '0 non-2xx' },
  { id: 'publisher', name: 'EventPublisher', value: 41_000, unit: 'msgs/s', versus: 'async-ack' },
];

describe('bench report', () => {
  it('puts the ratio against the baseline of the same run on each comparing row', () => {
    const result = withRatios(rows);
    expect(result.map((row) => [row.id, row.ratio])).toEqual([
      ['alertmanager', undefined],
      ['ingress', 0.41],
      ['stack', 0.14],
      ['publisher', undefined],
    ]);
  });

  it('says so when the baseline was not measured in this run, rather than compare with an older one', () => {
    const result = withRatios(rows);
    expect(resultText(result[3], result)).toBe('41.0k msgs/s (no async-ack row in this run: no ratio)');
  });

  it('prints the value, latencies, ratio and note of a row on one line', () => {
    const result = withRatios(rows);
    expect(resultText(result[1], result)).toBe('11.6k alerts/s, p99 82 ms (**0.41 ×** Alertmanager)');
    expect(textTable(result).split('\n')[1]).toBe('ingress alone    11.6k alerts/s, p99 82 ms (0.41 × Alertmanager)');
  });

  it('formats numbers for reading', () => {
    expect([human(950), human(1234), human(11_634), human(1_234_567), human(2.345), human(Number.NaN)]).toEqual([
      '950',
      '1.23k',
      '11.6k',
      '1.23M',
      '2.3',
      'NaN',
    ]);
  });

  it('prints a failed row loudly, in the terminal and in the Markdown', () => {
    const failed: Row[] = [{ id: 'storm', name: 'storm', value: 1200, unit: 'ms', failure: '3 DUPLICATE deliveries (2 alerts)' }];
    expect(textTable(failed)).toContain('!!!!!!!!!!!! 3 DUPLICATE DELIVERIES (2 ALERTS) !!!!!!!!!!!!');
    expect(markdownTable(failed, machine, '2026-12-06T19:30:00.000Z')).toContain(
      '| storm | 1.20k ms; **3 DUPLICATE deliveries (2 alerts)** |',
    );
  });

  it('writes a Markdown table with the machine, escaping pipes in cells', () => {
    const text = markdownTable(withRatios(rows), machine, '2026-12-06T19:30:00.000Z');
    expect(text.split('\n').slice(0, 5)).toEqual([
      'Measured 2026-12-06 19:30 UTC: 2 cores, Node v24.1.0; load average (1/5/15 min) 0.50 / 0.25 / 0.10 at start, 1.50 / 1.00 / 0.50 at end; other processes at start: CPU 3 % busy; at end: CPU 40 % busy (postgres 35 %).',
      '',
      '| what | result |',
      '| --- | --- |',
      '| Alertmanager | 28.6k alerts/s, p50 20 ms, p99 161 ms |',
    ]);
    expect(text).toContain('| ingress \\| stack | 3.90k alerts/s (**0.14 ×** Alertmanager); 0 non-2xx |');
  });
});
