import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@firebreak/testing';
import { BackupSchedule, readBackupSchedule } from './backup-schedule';
import type { Output } from './output';

const ROOT = '/srv/firebreak';
describe('BackupSchedule', () => {
  const recorder = () => {
    const lines: string[] = [];
    return {
      lines,
      out: { info: (t: string) => lines.push(`info ${t}`), warn: (t: string) => lines.push(`warn ${t}`) } as unknown as Output,
    };
  };

  it('says once that it is off, and why', () => {
    const { lines, out } = recorder();
    new BackupSchedule({ enabled: false, reason: 'FIREBREAK_BACKUP_SCHEDULE=off' }, ROOT, out).start();
    expect(lines).toEqual(['info scheduled backups are off (FIREBREAK_BACKUP_SCHEDULE=off)']);
  });

  it('announces its next run, and reports a failed run in one line while the schedule goes on', async () => {
    const { lines, out } = recorder();
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-schedule-'));
    const closed = `http://127.0.0.1:${await freePort()}`;
    const config = readBackupSchedule(
      {
        FIREBREAK_BACKUP_SCHEDULE: '* * * * * *',
        FIREBREAK_TOKEN: 'token-1',
        FIREBREAK_URL_MAPPER: closed,
        FIREBREAK_URL_RUNBOOK_EXECUTOR: closed,
        FIREBREAK_URL_KNOWLEDGE: closed,
      },
      dir,
    );
    const schedule = new BackupSchedule(config, ROOT, out);
    schedule.start();
    try {
      expect(lines[0]).toMatch(/^info scheduled backups: "\* \* \* \* \* \*" into .*\.data\/backups \(next \d{4}-.*Z\)$/);
      await waitFor(() => lines.length >= 2, { timeoutMs: 10_000, message: 'a scheduled run' });
      expect(lines[1]).toMatch(
        /^warn scheduled backup failed: (mapper|runbook-executor|knowledge) is unreachable at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/,
      );
    } finally {
      schedule.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
