import { conditionProblems } from './conditions';
import { templateProblems } from './template';
import { Runbook } from './runbook.schema';
import { AnyStep } from './step.schemas';

type Kind = 'text' | 'url' | 'promql';

function stringLeaves(value: unknown, path: string, out: Array<[string, string]>): Array<[string, string]> {
  if (typeof value === 'string') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((item, index) => stringLeaves(item, `${path}.${index}`, out));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) stringLeaves(item, `${path}.${key}`, out);
  return out;
}

function templatesOf(step: AnyStep): Array<[string, string, Kind]> {
  const text = (entries: Array<[string, string]>) => entries.map(([path, value]) => [path, value, 'text'] as [string, string, Kind]);
  switch (step.uses) {
    case 'http':
      return [
        ['with.url', step.with.url, 'url'],
        ...text(stringLeaves(step.with.instanceOf, 'with.instanceOf', [])),
        ...text(stringLeaves(step.with.headers, 'with.headers', [])),
        ...text(stringLeaves(step.with.body, 'with.body', [])),
      ];
    case 'command':
      return text(stringLeaves(step.with.args, 'with.args', []));
    case 'prometheus':
      return [['with.query', step.with.query, 'promql']];
    case 'sql':
      return text(stringLeaves(step.with.params, 'with.params', []));
    case 'approval':
      return step.with.summary ? [['with.summary', step.with.summary, 'text']] : [];
    case 'notify':
      return text(stringLeaves({ text: step.with.text, title: step.with.title }, 'with', []));
    case 'publish':
      return text(stringLeaves(step.with.data, 'with.data', []));
    case 'fail':
      return [['with.reason', step.with.reason, 'text']];
    case 'wait':
    case 'dlq':
      return [];
  }
}

function stepProblems(step: AnyStep, path: string, connections: ReadonlySet<string> | undefined): string[] {
  const problems: string[] = [];
  for (const [field, template, kind] of templatesOf(step)) {
    for (const problem of templateProblems(template, kind)) problems.push(`${path}.${field}: ${problem}`);
  }
  if (step.if) for (const problem of conditionProblems(step.if)) problems.push(`${path}.if: ${problem}`);
  if (step.uses === 'sql' && connections && !connections.has(step.with.connection)) {
    problems.push(`${path}.with.connection: "${step.with.connection}" is not defined in connections.yaml`);
  }
  return problems;
}

/** What the schema cannot see: templates that would not parse or would bypass escaping, conditions, references. */
export function runbookProblems(runbook: Runbook, connections?: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  if (runbook.concurrency?.key) problems.push(...templateProblems(runbook.concurrency.key, 'text').map((p) => `concurrency.key: ${p}`));
  const ids = new Set<string>();
  const unique = (id: string, path: string) => {
    if (ids.has(id)) problems.push(`${path}: step id "${id}" is used twice (rollback steps included)`);
    ids.add(id);
  };
  runbook.steps.forEach((step, index) => {
    unique(step.id, `steps.${index}.id`);
    step.rollback.forEach((undo, undoIndex) => unique(undo.id, `steps.${index}.rollback.${undoIndex}.id`));
    problems.push(...stepProblems(step, `steps.${index}`, connections));
    step.rollback.forEach((undo, undoIndex) => problems.push(...stepProblems(undo, `steps.${index}.rollback.${undoIndex}`, connections)));
  });
  return problems;
}
