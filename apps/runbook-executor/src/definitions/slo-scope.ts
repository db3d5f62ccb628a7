/** An SLO's error-budget state as the slo-reporter last announced it (`slo.budget.changed`). */
export interface SloState {
  sloId: string;
  service: string;
  state: 'ok' | 'burning' | 'exhausted' | 'no_data';
  tier: string | null;
  budgetRemaining: number | null;
  changedAt: Date;
}

/** What a condition sees as `slo.<id>` (or `slo['<id>']`). */
export interface SloView {
  state: SloState['state'] | 'unknown';
  /** Spending budget faster than allowed: burning, or already exhausted. */
  burning: boolean;
  exhausted: boolean;
  budgetRemaining: number | null;
  tier: string | null;
  service: string | null;
  changedAt: string | null;
}

export type SloScope = Readonly<Record<string, SloView>>;

/** An SLO never heard of: a condition that asks about it reads "not burning" rather than failing the step. */
export const UNKNOWN_SLO: SloView = Object.freeze({
  state: 'unknown',
  burning: false,
  exhausted: false,
  budgetRemaining: null,
  tier: null,
  service: null,
  changedAt: null,
});

export function sloView(s: SloState): SloView {
  return Object.freeze({
    state: s.state,
    burning: s.state === 'burning' || s.state === 'exhausted',
    exhausted: s.state === 'exhausted',
    budgetRemaining: s.budgetRemaining,
    tier: s.tier,
    service: s.service,
    changedAt: s.changedAt.toISOString(),
  });
}

/**
 * The `slo` variable of conditions. Any id reads as a view: a known SLO's, else UNKNOWN_SLO, so
 * `slo.typo.burning` is false instead of an error in the middle of a remediation. The target has no
 * prototype and every string key answers with a view, so no expression reaches Object internals.
 */
export function sloScopeOf(states: readonly SloState[]): SloScope {
  const known: Record<string, SloView> = Object.create(null) as Record<string, SloView>;
  for (const s of states) known[s.sloId] = sloView(s);
  return new Proxy(known, {
    get: (target, key) => (typeof key === 'string' ? (Object.hasOwn(target, key) ? target[key] : UNKNOWN_SLO) : undefined),
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}

/** Whether a condition may read `slo` (so the engine loads the states only for conditions that need them). */
export function refersToSlo(expression: string): boolean {
  return /(?<![\w$.])slo\b/.test(expression);
}
