import { InstantSample, PrometheusQueryError, queryInstant } from '@firebreak/platform';
import { truncate } from '../common/text';
import { formatDuration } from '../common/duration';
import { StepResult, StepRunContext, StepRunner } from '../engine/engine.types';
import { StepFailure } from '../engine/step-failure';
import { renderPromQL } from '../definitions/template';
import { PrometheusWith } from '../definitions/step.schemas';

const COMPARATORS: Record<string, (a: number, b: number) => boolean> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<=': (a, b) => a <= b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
};

export function meetsExpectation(samples: InstantSample[], expect: string, allowEmpty: boolean): boolean {
  const match = /^(==|!=|<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)$/.exec(expect.trim());
  if (!match) return false;
  if (samples.length === 0) return allowEmpty;
  const compare = COMPARATORS[match[1]];
  return samples.every((sample) => compare(sample.value, Number(match[2])));
}

/** An instant query compared with an expectation, optionally held for a while (polling every `interval`). */
export class PrometheusStepRunner implements StepRunner {
  constructor(private readonly baseUrl: string | undefined) {}

  async run(ctx: StepRunContext): Promise<StepResult> {
    if (!this.baseUrl) throw new StepFailure('PROMETHEUS_URL is not set', false);
    const spec = ctx.step.with as PrometheusWith;
    const query = renderPromQL(spec.query, ctx.scope);
    const holdFor = spec.holdFor ?? 0;
    const started = ctx.clock.now().getTime();
    let heldSince: number | undefined;
    for (;;) {
      const samples = await this.query(query, ctx.signal);
      const now = ctx.clock.now().getTime();
      const ok = meetsExpectation(samples, spec.expect, spec.allowEmpty);
      const outputs = { value: samples[0]?.value ?? null, samples: samples.slice(0, 50), query };
      const excerpt = truncate(`${query} → ${JSON.stringify(samples.slice(0, 10))}`, 4_000);
      if (ok) heldSince ??= now;
      else heldSince = undefined;
      if (ok && now - heldSince! >= holdFor) return { outputs: { ...outputs, heldForMs: now - heldSince! }, excerpt };
      const lastChance = now + spec.interval - started > ctx.timeoutMs;
      if ((!ok && holdFor === 0) || lastChance) {
        const wanted = holdFor ? `held for ${formatDuration(holdFor)}` : 'met';
        throw new StepFailure(
          `expectation "${spec.expect}" was not ${wanted} (last value ${outputs.value ?? 'none'})`,
          true,
          outputs,
          excerpt,
        );
      }
      await ctx.clock.sleep(spec.interval, ctx.signal);
    }
  }

  private async query(query: string, signal: AbortSignal): Promise<InstantSample[]> {
    try {
      return await queryInstant(this.baseUrl!, query, undefined, { signal, maxBytes: 1024 * 1024 });
    } catch (error) {
      if (error instanceof PrometheusQueryError) throw new StepFailure(truncate(error.message, 400), error.transient);
      throw error;
    }
  }
}
