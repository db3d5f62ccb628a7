/**
 * A numeric comparison a measured value must satisfy, written as in the runbooks' `expect`:
 * `< 1000`, `>= 1`, `== 0`, `<= 5GB` (sizes are powers of 1024, as pg_size_pretty prints them).
 */
export type Comparator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Expectation {
  op: Comparator;
  value: number;
  /** As written in the file, for messages. */
  text: string;
}

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };
const EXPECTATION = /^(==|!=|<=|>=|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(b|kb|mb|gb|tb)?$/i;

export function parseExpectation(text: string): Expectation | undefined {
  const match = EXPECTATION.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[2]) * (match[3] ? UNITS[match[3].toLowerCase()] : 1);
  if (!Number.isFinite(value)) return undefined;
  return { op: match[1] as Comparator, value, text: text.trim() };
}

export function satisfies(value: number, expectation: Expectation): boolean {
  switch (expectation.op) {
    case '<':
      return value < expectation.value;
    case '<=':
      return value <= expectation.value;
    case '>':
      return value > expectation.value;
    case '>=':
      return value >= expectation.value;
    case '==':
      return value === expectation.value;
    case '!=':
      return value !== expectation.value;
  }
}
