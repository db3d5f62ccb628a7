/** The parts of `npm run bench`, in the order they run; `--only` picks some of them. */
export const PARTS = ['ceiling', 'alertmanager', 'ingress', 'rss', 'breakdown', 'stack', 'e2e', 'max', 'storm', 'engine'] as const;
export type Part = (typeof PARTS)[number];

/** Parts whose ratio needs another part measured in the same run. */
const BASELINE: Partial<Record<Part, Part>> = { ingress: 'alertmanager', stack: 'alertmanager' };

export interface BenchArgs {
  parts: Set<Part>;
  /** `--soak MINUTES`: the soak alone, instead of the parts. */
  soakMinutes?: number;
}

function valueOf(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  if (index < 0) return undefined;
  const next = argv[index + 1];
  if (next === undefined || next.startsWith('--')) throw new Error(`${name} needs a value`);
  return next;
}

export function parseArgs(argv: string[]): BenchArgs {
  const known = new Set(['--only', '--soak']);
  for (const arg of argv) if (arg.startsWith('--') && !known.has(arg)) throw new Error(`unknown option ${arg} (known: --only, --soak)`);
  const soakText = valueOf(argv, '--soak');
  let soakMinutes: number | undefined;
  if (soakText !== undefined) {
    soakMinutes = Number(soakText);
    if (!Number.isFinite(soakMinutes) || soakMinutes <= 0) throw new Error(`--soak takes minutes > 0, got ${soakText}`);
  }
  const onlyText = valueOf(argv, '--only');
  if (onlyText === undefined) return { parts: new Set(PARTS), soakMinutes };
  const parts = new Set<Part>();
  for (const name of onlyText.split(',').map((part) => part.trim())) {
    if (!(PARTS as readonly string[]).includes(name)) throw new Error(`--only: unknown part "${name}" (parts: ${PARTS.join(', ')})`);
    parts.add(name as Part);
  }
  // A ratio is against a baseline measured in the same run, never against an older one.
  for (const part of [...parts]) {
    const baseline = BASELINE[part];
    if (baseline) parts.add(baseline);
  }
  return { parts, soakMinutes };
}
