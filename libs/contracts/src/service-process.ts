import { APPS } from './catalog';

/**
 * Every process `npm start` runs as a service: the seven back-end apps and the console, which forwards to them (so it
 * is started last). The bench's memory figures cover exactly these (apps/e2e whole-stack), as the launcher starts them.
 */
export const STACK_SERVICES = [...APPS, 'console'] as const;

/** Each service's cap per semi-space of V8's young generation, in MB (V8's own, sized from the heap limit, was 64 here). */
export const YOUNG_GENERATION_MB = 8;

/**
 * V8 flags for a Firebreak service's process, wherever it is started (`npm start`, the bench, the end-to-end stacks).
 * Loading ~2,000 modules grows V8's young generation to tens of MB, and those pages stay resident after it shrinks
 * again: capped at 8 MB, each idle service keeps 12–30 MB less, and the ingress and mapper peaked 35–110 MB lower in
 * the 10,000-alert storm at the same CPU. Not the notifier: its delivery path promoted more through the smaller
 * nursery and spent 12–30 % more CPU in that storm. An operator's own NODE_OPTIONS setting wins (the command line
 * would override it).
 */
export function serviceNodeArgs(service: string, nodeOptions: string | undefined): string[] {
  if (service === 'notifier' || /--max-semi-space-size\b/.test(nodeOptions ?? '')) return [];
  return [`--max-semi-space-size=${YOUNG_GENERATION_MB}`];
}
