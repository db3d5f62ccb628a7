import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ChaosOptions, runChaos } from './storm';

/**
 * `npm run chaos [-- --alerts N] [--json out.json]`: the chaos storm of issue 8 (10,000 alerts by
 * default, Postgres cut for 8 s), its result printed as JSON and, with --json, written to a file.
 */
function parse(argv: string[]): { options: ChaosOptions; json?: string } {
  const value = (name: string) => {
    const index = argv.indexOf(name);
    if (index < 0) return undefined;
    const next = argv[index + 1];
    if (next === undefined || next.startsWith('--')) throw new Error(`${name} needs a value`);
    return next;
  };
  const known = new Set(['--alerts', '--json', '--postgres-cut-ms', '--nats-down-ms', '--rate', '--in-flight']);
  for (const arg of argv)
    if (arg.startsWith('--') && !known.has(arg)) throw new Error(`unknown option ${arg} (known: ${[...known].join(', ')})`);
  const int = (name: string, fallback: number, min: number) => {
    const text = value(name);
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${text}`);
    return n;
  };
  const alerts = int('--alerts', 10_000, 10);
  return {
    options: {
      alerts,
      postgresCutMs: int('--postgres-cut-ms', 8_000, 0),
      natsDownMs: int('--nats-down-ms', 3_000, 0),
      alertsPerSec: int('--rate', 200, 10),
      inFlight: int('--in-flight', 4, 1),
      drainTimeoutMs: 300_000,
      log: (message) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}\n`),
    },
    json: value('--json'),
  };
}

async function main(): Promise<number> {
  const { options, json } = parse(process.argv.slice(2));
  const result = await runChaos(options);
  const text = JSON.stringify(result, null, 2);
  process.stdout.write(`${text}\n`);
  if (json) writeFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), json), `${text}\n`);
  const ok =
    result.drained &&
    result.lost.firing + result.lost.resolved === 0 &&
    result.sender.rejected.length === 0 &&
    result.duplicated.total <= result.duplicatesAllowed &&
    result.duplicated.otherIdempotencyKey === 0;
  process.stderr.write(ok ? 'chaos: nothing lost, duplicates within the bound\n' : 'chaos: FAILED (see the result above)\n');
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
