/** A column of a table: its heading and how to get the cell's text from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

// ANSI escape sequences (CSI; OSC and the other string commands up to their terminator; the short ESC forms),
// then any other control character: label values are hostile, and `\x1b[2J` in a label must not clear the
// operator's screen, `\x1b]0;…` retitle the terminal or `\x1bc` reset it.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
// What JSON.stringify leaves raw but a terminal acts on or hides: DEL and C1 controls, bidi marks and overrides,
// zero-width characters and the BOM. Escaped as \uXXXX, the JSON means the same to a parser.
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Text safe to print on a terminal: escape sequences removed, control characters and newlines as spaces. */
export function sanitize(text: unknown): string {
  const value =
    text === undefined || text === null
      ? ''
      : typeof text === 'string'
        ? text
        : typeof text === 'object'
          ? JSON.stringify(text)
          : String(text);
  return value
    .replace(ANSI, '')
    .replace(/[\t\n\r]/g, ' ')
    .replace(CONTROL, '');
}

/** Plain aligned columns (no colours: the output is for pipes as much as for eyes). */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => sanitize(column.value(row))));
  const headers = columns.map((column) => sanitize(column.header));
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((line) => line[i].length)));
  const line = (values: string[]) =>
    values
      .map((value, i) => (i === values.length - 1 ? value : value.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

export function printTable<T>(rows: readonly T[], columns: readonly Column<T>[]): void {
  process.stdout.write(formatTable(rows, columns));
}

/** One `key: value` line per field, for a single object in table mode. */
export function printFields(fields: ReadonlyArray<[string, unknown]>): void {
  const width = Math.max(...fields.map(([key]) => key.length));
  process.stdout.write(fields.map(([key, value]) => `${sanitize(key).padEnd(width)}  ${sanitize(value)}`).join('\n') + '\n');
}

/** The API's JSON as it came, for scripts; characters a terminal would act on are escaped (still valid JSON). */
export function formatJson(value: unknown): string {
  const text = JSON.stringify(value ?? null, null, 2).replace(
    JSON_UNSAFE,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return text + '\n';
}

export function printJson(value: unknown): void {
  process.stdout.write(formatJson(value));
}

/** Label sets as `a=b, c=d` (sanitised when the table prints it). */
export function formatLabels(labels: Record<string, unknown> | undefined | null): string {
  return Object.entries(labels ?? {})
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(', ');
}
