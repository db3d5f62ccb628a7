/**
 * A label signature groups alerts of one name that are "the same problem": sorted name=value pairs
 * without the labels that differ between replicas or restarts of the same thing (instance, pod, ...).
 * Two HighCPU alerts on pods web-1 and web-2 of job web share a signature; one on job db does not.
 */
export const VOLATILE_LABELS: ReadonlySet<string> = new Set([
  'alertname',
  'instance',
  'pod',
  'pod_name',
  'pod_ip',
  'container_id',
  'uid',
  'id',
  'replica',
  'prometheus_replica',
  'endpoint',
]);

/** Stable labels as sorted `name=value` pairs (JSON-quoted values, so `a=b,c` cannot collide with two labels). */
export function signatureOf(labels: Record<string, string>): string {
  return Object.keys(labels)
    .filter((name) => !VOLATILE_LABELS.has(name) && !name.startsWith('__'))
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(',');
}

/** Jaccard overlap of two label sets' stable name=value pairs: 1 the same, 0 nothing shared (or both empty). */
export function labelOverlap(a: Record<string, string>, b: Record<string, string>): number {
  const pairs = (labels: Record<string, string>) =>
    new Set(
      Object.entries(labels)
        .filter(([name]) => !VOLATILE_LABELS.has(name) && !name.startsWith('__'))
        .map(([name, value]) => `${name}=${value}`),
    );
  const left = pairs(a);
  const right = pairs(b);
  if (left.size === 0 && right.size === 0) return 0;
  let shared = 0;
  for (const pair of left) if (right.has(pair)) shared++;
  return shared / (left.size + right.size - shared);
}
