import { ConditionError, conditionProblems, evaluateCondition } from './conditions';
import { refersToSlo, SloState, sloScopeOf, UNKNOWN_SLO } from './slo-scope';
import { TemplateScope } from './template';

const at = new Date('2025-12-10T08:00:00Z');
const state = (sloId: string, s: SloState['state'], budgetRemaining: number | null = 0.4): SloState => ({
  sloId,
  service: 'firebreak',
  state: s,
  tier: s === 'burning' ? 'page' : null,
  budgetRemaining,
  changedAt: at,
});

const scopeWith = (states: SloState[]): TemplateScope => ({
  alert: { labels: { slo: 'notification-delivery' }, annotations: {} },
  context: {},
  params: {},
  steps: {},
  execution: { id: 'e', mode: 'live', runbookId: 'r', trigger: 'alert' },
  vars: {},
  slo: sloScopeOf(states),
});

describe('the slo variable of conditions', () => {
  const scope = scopeWith([
    state('notification-delivery', 'burning', 0.62),
    state('auto_remediation', 'exhausted', -0.1),
    state('checkout', 'ok', 0.9),
    state('quiet', 'no_data', null),
  ]);
  const holds = (expression: string) => evaluateCondition(expression, scope);

  it('reads burning as "burning or exhausted", exhausted only as exhausted, and the state and budget as sent', () => {
    expect(holds("slo['notification-delivery'].burning")).toBe(true);
    expect(holds("slo['notification-delivery'].exhausted")).toBe(false);
    expect(holds('slo.auto_remediation.burning && slo.auto_remediation.exhausted')).toBe(true);
    expect(holds('slo.checkout.burning || slo.quiet.burning')).toBe(false);
    expect(holds("slo.quiet.state == 'no_data' && slo.quiet.budgetRemaining == null")).toBe(true);
    expect(holds("slo['notification-delivery'].budgetRemaining > 0.5 && slo.checkout.budgetRemaining == 0.9")).toBe(true);
    expect(holds("slo['notification-delivery'].tier == 'page'")).toBe(true);
  });

  it('answers an SLO never heard of as unknown, not burning, with no budget, in either form', () => {
    expect(holds("slo.never_heard.state == 'unknown' && !slo.never_heard.burning && slo.never_heard.budgetRemaining == null")).toBe(true);
    expect(holds("slo['no-such-slo'].state == 'unknown' && slo['no-such-slo'].exhausted == false")).toBe(true);
    expect(evaluateCondition('slo.anything.burning', scopeWith([]))).toBe(false);
    expect(sloScopeOf([]).whatever).toBe(UNKNOWN_SLO);
  });

  it('lets the id come from data: the slo label of an SLO burn alert picks the SLO', () => {
    expect(holds('slo[alert.labels.slo].burning')).toBe(true);
  });

  it('answers object internals as an unknown SLO, never a function, and cannot be written to', () => {
    const slo = sloScopeOf([state('a', 'ok')]) as unknown as Record<string, unknown>;
    expect(slo.toString).toBe(UNKNOWN_SLO);
    expect(holds("slo['hasOwnProperty'].state == 'unknown' && slo['toString'].burning == false")).toBe(true);
    expect(() => ((slo as Record<string, unknown>).a = 1)).toThrow(TypeError);
    expect(Object.keys(slo)).toEqual(['a']);
    expect(() => evaluateCondition("slo['__proto__'].burning", scope)).toThrow(ConditionError);
  });

  it('refuses at load an id with "-" written after a dot, which jexl would read as a subtraction (always false)', () => {
    expect(() => evaluateCondition('slo.notification-delivery.burning', scope)).toThrow(ConditionError);
    expect(conditionProblems('slo.notification-delivery.burning')).toEqual([
      `slo.notification-delivery reads as a subtraction; write an SLO id with "-" in brackets: slo['notification-delivery']`,
    ]);
    expect(conditionProblems('steps.probe.outputs.status >= 500 && !slo.api-latency.exhausted')).toHaveLength(1);
    expect(conditionProblems("slo['notification-delivery'].burning")).toEqual([]);
    expect(conditionProblems('slo.checkout.budgetRemaining - 0.1 > 0')).toEqual([]);
    expect(conditionProblems('steps.a.outputs.x-steps.b.outputs.y > 0')).toEqual([]);
  });

  it('is loaded only for conditions that refer to it', () => {
    expect(refersToSlo("slo['x'].burning")).toBe(true);
    expect(refersToSlo('!slo.x.burning')).toBe(true);
    expect(refersToSlo('alert.labels.slo == "x"')).toBe(false);
    expect(refersToSlo('steps.slo_check.outcome == "success"')).toBe(false);
  });
});
