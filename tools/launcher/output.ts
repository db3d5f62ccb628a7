import { BOLD, DIM, RED, colorFor, formatPrefix, paint, prefixLine } from './prefix';

export type Stream = 'stdout' | 'stderr';

/** The one place that writes to the terminal, so labels share a width and colors stay consistent. */
export class Output {
  private readonly colors = new Map<string, number>();

  constructor(
    private readonly useColor: boolean,
    private readonly width: number,
  ) {}

  assignColor(label: string, color?: number): void {
    this.colors.set(label, color ?? colorFor(this.colors.size));
  }

  line(label: string, text: string, stream: Stream = 'stdout'): void {
    const prefix = formatPrefix(label, this.width, this.useColor ? (this.colors.get(label) ?? DIM) : undefined);
    write(stream, prefixLine(text, prefix));
  }

  info(text: string): void {
    this.line('launcher', text);
  }

  warn(text: string): void {
    this.line('launcher', this.paint(`warning: ${text}`, BOLD), 'stderr');
  }

  error(text: string): void {
    for (const line of text.split('\n')) this.line('launcher', this.paint(line, RED), 'stderr');
  }

  /** For what must not scroll by unnoticed: a process that died under us. */
  loud(text: string): void {
    const bar = '!'.repeat(Math.min(100, text.length + 8));
    for (const line of ['', bar, `!!! ${text} !!!`, bar, '']) write('stderr', this.paint(line, RED));
  }

  raw(text: string): void {
    write('stdout', text);
  }

  paint(text: string, color: number): string {
    return this.useColor ? paint(text, color) : text;
  }
}

function write(stream: Stream, line: string): void {
  (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`);
}
