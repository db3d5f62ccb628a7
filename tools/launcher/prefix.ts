import { StringDecoder } from 'node:string_decoder';

const RESET = '\x1b[0m';
const PALETTE = [36, 35, 33, 32, 34, 96, 95, 93, 92, 94] as const;
export const DIM = 90;
export const RED = 31;
export const BOLD = 1;

/**
 * Cuts a byte stream into lines. A line may arrive over several chunks and a UTF-8 character may be
 * split between two chunks, so both the partial line and the partial character are carried over.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  push(chunk: Buffer | string): string[] {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    return parts.map(stripCarriageReturn);
  }

  /** The unterminated last line, if any, once the stream has ended. */
  flush(): string | undefined {
    const rest = stripCarriageReturn(this.pending + this.decoder.end());
    this.pending = '';
    return rest === '' ? undefined : rest;
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

export function paint(text: string, color: number | undefined): string {
  return color === undefined ? text : `\x1b[${color}m${text}${RESET}`;
}

/** `name               │ ` — padded so that the logs of every process line up. */
export function formatPrefix(label: string, width: number, color: number | undefined): string {
  return `${paint(label.padEnd(width), color)} │ `;
}

/** Lines are printed as they came (pino JSON stays parseable after the prefix). */
export function prefixLine(line: string, prefix: string): string {
  return `${prefix}${line}`;
}

export function colorFor(index: number): number {
  return PALETTE[index % PALETTE.length];
}
