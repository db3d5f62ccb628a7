/** One measured figure of a bench run. */
export interface Row {
  /** Stable key: what `versus` names and what the JSON keeps. */
  id: string;
  name: string;
  value: number;
  unit: string;
  p50Ms?: number;
  p99Ms?: number;
  note?: string;
  /** Compared with the row of this id measured in the same run: ratio = value / that row's value. */
  versus?: string;
  ratio?: number;
  /** Printed loudly (a duplicate delivery, alerts lost): the run is not a clean measurement. */
  failure?: string;
}

/** Fills each row's `ratio` from its baseline row of the same run; a missing baseline leaves it unset. */
export function withRatios(rows: Row[]): Row[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return rows.map((row) => {
    const baseline = row.versus === undefined ? undefined : byId.get(row.versus);
    if (!baseline || !(baseline.value > 0)) return { ...row, ratio: undefined };
    return { ...row, ratio: Math.round((row.value / baseline.value) * 100) / 100 };
  });
}

/** 950 → "950", 11_634 → "11.6k", 1_234_567 → "1.23M". */
export function human(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1_000_000) return `${(value / 1_000_000).toPrecision(3)}M`;
  if (abs >= 10_000) return `${(value / 1000).toFixed(1)}k`;
  if (abs >= 1_000) return `${(value / 1000).toFixed(2)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

function baselineName(rows: Row[], id: string | undefined): string {
  return rows.find((row) => row.id === id)?.name ?? id ?? '';
}

/** The result column: value, latency, ratio against its baseline, note. */
export function resultText(row: Row, rows: Row[]): string {
  const parts = [Number.isFinite(row.value) ? `${human(row.value)} ${row.unit}` : 'not measured'];
  if (row.p50Ms !== undefined && Number.isFinite(row.p50Ms)) parts.push(`p50 ${ms(row.p50Ms)}`);
  if (row.p99Ms !== undefined && Number.isFinite(row.p99Ms)) parts.push(`p99 ${ms(row.p99Ms)}`);
  let text = parts.join(', ');
  if (row.ratio !== undefined) text += ` (**${row.ratio.toFixed(2)} ×** ${baselineName(rows, row.versus)})`;
  else if (row.versus !== undefined) text += ` (no ${row.versus} row in this run: no ratio)`;
  if (row.note) text += `; ${row.note}`;
  if (row.failure) text += `; **${row.failure}**`;
  return text;
}

/** The terminal table: one line per row, the ratio next to the row it belongs to. */
export function textTable(rows: Row[]): string {
  const width = Math.max(...rows.map((row) => row.name.length), 10);
  return rows
    .map((row) => {
      const line = `${row.name.padEnd(width)}  ${resultText(row, rows).replace(/\*\*/g, '')}`;
      return row.failure ? `${line}\n${'!'.repeat(12)} ${row.failure.toUpperCase()} ${'!'.repeat(12)}` : line;
    })
    .join('\n');
}

export interface MachineSummary {
  cores: number;
  node: string;
  loadAtStart: number[];
  loadAtEnd: number[];
  busyAtStart: string;
  busyAtEnd: string;
}

function load(values: number[]): string {
  return values.map((value) => value.toFixed(2)).join(' / ');
}

export function machineLine(machine: MachineSummary): string {
  return [
    `${machine.cores} cores, Node ${machine.node}`,
    `load average (1/5/15 min) ${load(machine.loadAtStart)} at start, ${load(machine.loadAtEnd)} at end`,
    `other processes at start: ${machine.busyAtStart}; at end: ${machine.busyAtEnd}`,
  ].join('; ');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The README's "Performance" table, ready to paste. */
export function markdownTable(rows: Row[], machine: MachineSummary, at: string): string {
  const lines = [
    `Measured ${at.slice(0, 16).replace('T', ' ')} UTC: ${machineLine(machine)}.`,
    '',
    '| what | result |',
    '| --- | --- |',
    ...rows.map((row) => `| ${cell(row.name)} | ${cell(resultText(row, rows))} |`),
    '',
  ];
  return lines.join('\n');
}
