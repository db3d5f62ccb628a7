import { isAbsolute, join, relative } from 'node:path';
import { Cron } from 'croner';
import { runBackup } from '../backup/run-backup';
import { DEFAULT_BACKUP_DIR, readSettings, ToolSettings } from '../backup/settings';
import { LauncherError } from './errors';
import type { Output } from './output';

const DEFAULT_SCHEDULE = '0 3 * * *';

export type BackupScheduleConfig =
  { enabled: false; reason: string } | { enabled: true; pattern: string; dir: string; settings: ToolSettings };

/**
 * `FIREBREAK_BACKUP_SCHEDULE` (cron, default daily at 03:00 local time; `off` disables) and `FIREBREAK_BACKUP_DIR`
 * (default `.data/backups` under the repository). The backup is `npm run backup`'s, through the services' APIs, so it
 * needs a token (FIREBREAK_TOKEN or an admin one in FIREBREAK_API_TOKENS): without one, scheduled backups are off.
 */
export function readBackupSchedule(env: NodeJS.ProcessEnv, rootDir: string): BackupScheduleConfig {
  const pattern = env.FIREBREAK_BACKUP_SCHEDULE?.trim() || DEFAULT_SCHEDULE;
  if (pattern.toLowerCase() === 'off') return { enabled: false, reason: 'FIREBREAK_BACKUP_SCHEDULE=off' };
  try {
    new Cron(pattern, { paused: true }).stop();
  } catch (error) {
    throw new LauncherError(
      'bad_config',
      `FIREBREAK_BACKUP_SCHEDULE must be a cron pattern such as "${DEFAULT_SCHEDULE}" or off, got "${pattern}": ${(error as Error).message}`,
    );
  }
  const settings = readSettings(env);
  if (!settings.token) return { enabled: false, reason: 'no token: set FIREBREAK_TOKEN, or an admin token in FIREBREAK_API_TOKENS' };
  const dirSetting = env.FIREBREAK_BACKUP_DIR?.trim() || DEFAULT_BACKUP_DIR;
  return { enabled: true, pattern, dir: isAbsolute(dirSetting) ? dirSetting : join(rootDir, dirSetting), settings };
}

/** Runs the backup on its schedule once the stack is up; a run still going when the next is due is not doubled. */
export class BackupSchedule {
  private job?: Cron;

  constructor(
    private readonly config: BackupScheduleConfig,
    private readonly rootDir: string,
    private readonly out: Output,
  ) {}

  start(): void {
    const config = this.config;
    if (!config.enabled) return this.out.info(`scheduled backups are off (${config.reason})`);
    const where = relative(this.rootDir, config.dir) || '.';
    this.job = new Cron(config.pattern, { protect: true, unref: true }, async () => {
      try {
        const result = await runBackup(config.settings, config.dir);
        const { runbooks, mappings, documents, runs } = result.counts;
        this.out.info(
          `backup written to ${relative(this.rootDir, result.path)}: ${runbooks} runbooks, ${mappings} mappings, ${documents} documents, ${runs} runs`,
        );
      } catch (error) {
        // The stack goes on; the next run tries again. A service's own words are one line (ToolError), never a stack.
        this.out.warn(`scheduled backup failed: ${(error as Error).message}`);
      }
    });
    this.out.info(`scheduled backups: "${config.pattern}" into ${where} (next ${this.job.nextRun()?.toISOString() ?? 'never'})`);
  }

  stop(): void {
    this.job?.stop();
  }
}
