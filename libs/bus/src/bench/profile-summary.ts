import type { Profiler } from 'node:inspector';

/**
 * The functions of a V8 CPU profile with the most self time, one line each (share, ms, name, file:line), so a
 * bench run says where the time goes without opening the profile in a viewer.
 */
export function topFunctions(profile: Profiler.Profile, count: number): string[] {
  const sampleCounts = new Map<number, number>();
  for (const id of profile.samples ?? []) sampleCounts.set(id, (sampleCounts.get(id) ?? 0) + 1);
  const totalSamples = profile.samples?.length ?? 0;
  const durationMs = (profile.endTime - profile.startTime) / 1000;
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url ? url.replace(/^.*\/(node_modules|dist)\//, '') : '';
    const key = `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + (sampleCounts.get(node.id) ?? 0));
  }
  return [...byFunction.entries()]
    .sort(([, a], [, b]) => b - a)
    .slice(0, count)
    .map(([key, samples]) => {
      const share = totalSamples ? samples / totalSamples : 0;
      return `${(share * 100).toFixed(1).padStart(5)} %  ${(share * durationMs).toFixed(0).padStart(6)} ms  ${key}`;
    });
}
