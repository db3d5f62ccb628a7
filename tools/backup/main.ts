import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiClient, ToolError } from './api-client';
import { applyRestore, planRestore } from './restore';
import { runBackup } from './run-backup';
import { DEFAULT_BACKUP_DIR, ENV_HELP, readSettings } from './settings';
import { readSnapshot } from './snapshot-files';
import { SnapshotFormatError } from './snapshot-format';

const HELP = `Usage:
  npm run backup [-- --out DIR]         write a snapshot to DIR/<UTC time>/ (default ${DEFAULT_BACKUP_DIR}, or FIREBREAK_BACKUP_DIR)
  npm run restore -- DIR [--dry-run]    load a snapshot back through the services' APIs

A snapshot holds the stored runbooks (runbooks/<id>.yaml), the runtime mappings (mappings/<alertname>.yaml), the
knowledge documents written by people or from incidents (knowledge/<type>/<id>.md, YAML front matter), what was
learnt (learning/episodes.yaml, learning/runs.yaml) and manifest.yaml. Retention after each backup: the newest
snapshot of each of the last 7 days, 4 ISO weeks and 12 months (only directories named like snapshots are removed).
Restore checks the whole snapshot first, creates or updates only what differs (a second run changes nothing), never
deletes, and with --dry-run only prints what it would change.

${ENV_HELP}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      out: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help || command === '--help' || command === '-h' || !command) {
    console.log(HELP);
    return command ? 0 : 2;
  }
  const settings = readSettings(process.env);
  if (command === 'backup') {
    if (positionals.length) throw new ToolError(`backup takes no arguments (got ${positionals.join(' ')}); use --out DIR`);
    const outDir = resolve(values.out ?? process.env.FIREBREAK_BACKUP_DIR ?? DEFAULT_BACKUP_DIR);
    const result = await runBackup(settings, outDir);
    const { runbooks, mappings, documents, episodes, runs } = result.counts;
    console.log(
      `backup written to ${result.path}: ${runbooks} stored runbooks, ${mappings} runtime mappings, ${documents} documents, ${episodes} alert episodes, ${runs} runbook runs`,
    );
    if (result.removed.length) console.log(`retention removed ${result.removed.length} older snapshots: ${result.removed.join(', ')}`);
    return 0;
  }
  if (command === 'restore') {
    if (positionals.length !== 1) throw new ToolError('restore takes one snapshot directory: npm run restore -- DIR [--dry-run]');
    const { content } = await readSnapshot(resolve(positionals[0]));
    const changes = await planRestore(new ApiClient(settings), content);
    const describe = (c: (typeof changes)[number]) => `${c.action} ${c.kind} ${JSON.stringify(c.id)} (${c.service})`;
    if (changes.length === 0) {
      console.log('nothing to restore: every item of the snapshot is already as it is there');
      return 0;
    }
    if (values['dry-run']) {
      console.log(`would change ${changes.length}:`);
      for (const change of changes) console.log(`  ${describe(change)}`);
      return 0;
    }
    await applyRestore(changes, (change) => console.log(`  ${describe(change)}`));
    console.log(`restored ${changes.length} changes`);
    return 0;
  }
  throw new ToolError(`unknown command ${JSON.stringify(command)}: backup or restore (--help)`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const known =
        error instanceof ToolError ||
        error instanceof SnapshotFormatError ||
        (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
      console.error(`error: ${known ? (error as Error).message : `unexpected: ${(error as Error)?.message ?? String(error)}`}`);
      process.exit(1);
    },
  );
}
