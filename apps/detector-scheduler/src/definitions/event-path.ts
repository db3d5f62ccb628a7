import type { z } from 'zod';

/** The zod v4 definition fields this walk reads; anything else is treated as "cannot tell", never as an error. */
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);
const CONTAINERS = new Set(['object', 'record', 'array', 'tuple']);

/**
 * Whether `segments` lead to a single value in data of `schema`: a typo in a heartbeat's event
 * match (`alert.label.alertname`) would otherwise never match and the detector would page for a
 * beat that was sent. Returns the problem in words, or null when the path can hold a value.
 * Schemas it cannot see into (lazy, custom) are given the benefit of the doubt.
 */
export function pathProblem(schema: z.ZodType, segments: readonly string[]): string | null {
  return walk(schema, segments, 0);
}

function walk(schema: z.ZodType, segments: readonly string[], index: number): string | null {
  const def = defOf(schema);
  if (WRAPPERS.has(def.type) && def.innerType) return walk(def.innerType, segments, index);
  if (def.type === 'pipe' && def.in) return walk(def.in, segments, index);
  if (def.type === 'union' && def.options) {
    const problems = def.options.map((option) => walk(option, segments, index));
    return problems.includes(null) ? null : problems[0];
  }
  if (def.type === 'intersection' && def.left && def.right) {
    const left = walk(def.left, segments, index);
    return left === null ? null : walk(def.right, segments, index);
  }
  const at = segments.slice(0, index).join('.') || 'the data';
  if (index === segments.length)
    return CONTAINERS.has(def.type) ? `${at} is ${def.type === 'array' ? 'a list' : 'an object'}: match one field inside it` : null;
  const segment = segments[index];
  switch (def.type) {
    case 'object':
      if (!def.shape || !Object.prototype.hasOwnProperty.call(def.shape, segment)) {
        const fields = Object.keys(def.shape ?? {}).join(', ');
        return `${at} has no field "${segment}" (it has ${fields})`;
      }
      return walk(def.shape[segment], segments, index + 1);
    case 'record':
      return def.valueType ? walk(def.valueType, segments, index + 1) : null;
    case 'array':
      if (!/^\d+$/.test(segment)) return `${at} is a list: "${segment}" is not an index`;
      return def.element ? walk(def.element, segments, index + 1) : null;
    case 'string':
    case 'number':
    case 'boolean':
    case 'enum':
    case 'literal':
    case 'date':
    case 'bigint':
    case 'null':
      return `${at} is ${/^[aeiou]/.test(def.type) ? 'an' : 'a'} ${def.type} value: it has no field "${segment}"`;
    default:
      return null;
  }
}
