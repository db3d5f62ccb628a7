import jexlDefault from 'jexl';
import type Ast from 'jexl/Ast';
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

const isSloMember = (node: Ast): node is Extract<Ast, { type: 'Identifier' }> =>
  node.type === 'Identifier' && node.from?.type === 'Identifier' && node.from.value === 'slo' && !node.from.from && !node.from.relative;

/**
 * `slo.notification-delivery.burning` parses as `slo.notification - delivery.burning`: NaN, so always
 * false, silently. SLO ids often contain `-`; such an id must be written `slo['notification-delivery']`.
 */
function dashedSloIds(node: Ast | undefined, found: string[] = []): string[] {
  if (!node || typeof node !== 'object') return found;
  if (node.type === 'BinaryExpression' && node.operator === '-') {
    let left: Ast = node.left;
    while (left.type === 'UnaryExpression') left = left.right;
    let right: Ast = node.right;
    while (right.type === 'Identifier' && right.from) right = right.from;
    if (isSloMember(left) && right.type === 'Identifier') found.push(`${left.value}-${right.value}`);
  }
  for (const child of Object.values(node as Record<string, unknown>)) {
    if (Array.isArray(child)) for (const item of child) dashedSloIds(item as Ast, found);
    else if (child && typeof child === 'object') dashedSloIds(child as Ast, found);
  }
  return found;
}

/** Load-time check: the expression parses, reaches for no object internals, and names SLO ids with `-` in brackets. */
export function conditionProblems(expression: string): string[] {
  if (FORBIDDEN.test(expression)) return ['may not refer to constructor, __proto__ or prototype'];
  let ast: Ast;
  try {
    ast = jexl.compile(expression)._getAst();
  } catch (error) {
    return [`does not parse: ${(error as Error).message}`];
  }
  return dashedSloIds(ast).map((id) => `slo.${id} reads as a subtraction; write an SLO id with "-" in brackets: slo['${id}']`);
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
