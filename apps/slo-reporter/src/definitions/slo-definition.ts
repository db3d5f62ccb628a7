import { Signal } from '../core/signals';

/** One SLO as the reporter works with it, normalised from its OpenSLO v1 document. */
export interface SloDefinition {
  id: string;
  displayName: string;
  service: string;
  description: string;
  /** The objective's target, 0 < target < 1 (0.99 = 99 %). */
  objective: number;
  window: SloWindow;
  budgeting: 'Occurrences' | 'Timeslices';
  indicator: Indicator;
  /** No burn-rate alert while the short window counted fewer events (time slices for Timeslices) than this. */
  minEvents: number;
  /** Alert when the indicator had no data for this long; null: never. */
  noDataAfterMs: number | null;
  /** Extra labels on every alert this SLO raises. */
  labels: Record<string, string>;
}

export type SloWindow =
  | { kind: 'rolling'; ms: number; text: string }
  /** The current calendar month in UTC; burn tiers use the 30-day ones. */
  | { kind: 'calendar'; text: '1M' };

export type Indicator =
  | { source: 'firebreak'; kind: 'ratio'; good: Signal[] | null; bad: Signal[] | null; total: Signal[] }
  | { source: 'prometheus'; kind: 'ratio'; good: string | null; bad: string | null; total: string }
  | {
      source: 'prometheus';
      kind: 'threshold';
      /** A value per time slice, e.g. a p95 latency in seconds from histogram_quantile. */
      query: string;
      op: 'lt' | 'lte' | 'gt' | 'gte';
      value: number;
      sliceMs: number;
    };

/** Where `{{.window}}` stands in a Prometheus query (Sloth's convention): the range of increase()/rate(). */
export const WINDOW_PLACEHOLDER = '{{.window}}';
