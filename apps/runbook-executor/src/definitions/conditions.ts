import jexlDefault from 'jexl';
import { TemplateScope } from './template';

// Jexl evaluates expressions over data: no calls except the transforms registered here, no eval.
const jexl = new jexlDefault.Jexl();
jexl.addTransforms({
  lower: (value: unknown) => String(value ?? '').toLowerCase(),
  upper: (value: unknown) => String(value ?? '').toUpperCase(),
  length: (value: unknown) =>
    Array.isArray(value) || typeof value === 'string' ? value.length : value && typeof value === 'object' ? Object.keys(value).length : 0,
  number: (value: unknown) => Number(value),
});

const FORBIDDEN = /\b(constructor|__proto__|prototype)\b/;

export class ConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionError';
  }
}

/** Load-time check: the expression parses and reaches for no object internals. */
export function conditionProblems(expression: string): string[] {
  if (FORBIDDEN.test(expression)) return ['may not refer to constructor, __proto__ or prototype'];
  try {
    jexl.compile(expression);
    return [];
  } catch (error) {
    return [`does not parse: ${(error as Error).message}`];
  }
}

export function evaluateCondition(expression: string, scope: TemplateScope): boolean {
  const problems = conditionProblems(expression);
  if (problems.length) throw new ConditionError(`condition "${expression}" ${problems[0]}`);
  try {
    return Boolean(jexl.evalSync(expression, scope as unknown as Record<string, unknown>));
  } catch (error) {
    throw new ConditionError(`condition "${expression}" failed: ${(error as Error).message}`);
  }
}
