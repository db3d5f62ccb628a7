import { readBackupSchedule } from './backup-schedule';
import { LauncherError } from './errors';

const ROOT = '/srv/firebreak';

describe('readBackupSchedule', () => {
  it('runs daily at 03:00 into .data/backups with the first admin token of FIREBREAK_API_TOKENS', () => {
    const config = readBackupSchedule({ FIREBREAK_API_TOKENS: 'viewer-token-1:viewer,admin-token-1:admin:ops' }, ROOT);
    expect(config).toMatchObject({ enabled: true, pattern: '0 3 * * *', dir: '/srv/firebreak/.data/backups' });
    expect(config.enabled && config.settings.token).toBe('admin-token-1');
  });

  it('takes its own schedule, directory and token', () => {
    const config = readBackupSchedule(
      { FIREBREAK_BACKUP_SCHEDULE: '30 1 * * 0', FIREBREAK_BACKUP_DIR: '/var/backups/fb', FIREBREAK_TOKEN: 'given-token' },
      ROOT,
    );
    expect(config).toMatchObject({ enabled: true, pattern: '30 1 * * 0', dir: '/var/backups/fb', settings: { token: 'given-token' } });
  });

  it('is off when told, or when no token is available, and says why', () => {
    expect(readBackupSchedule({ FIREBREAK_BACKUP_SCHEDULE: 'off', FIREBREAK_TOKEN: 't' }, ROOT)).toEqual({
      enabled: false,
      reason: 'FIREBREAK_BACKUP_SCHEDULE=off',
    });
    expect(readBackupSchedule({ FIREBREAK_API_TOKENS: 'viewer-token-1:viewer' }, ROOT)).toEqual({
      enabled: false,
      reason: 'no token: set FIREBREAK_TOKEN, or an admin token in FIREBREAK_API_TOKENS',
    });
  });

  it('refuses a pattern that is not cron, naming the setting', () => {
    expect(() => readBackupSchedule({ FIREBREAK_BACKUP_SCHEDULE: 'every day', FIREBREAK_TOKEN: 't' }, ROOT)).toThrow(LauncherError);
    expect(() => readBackupSchedule({ FIREBREAK_BACKUP_SCHEDULE: '61 3 * * *', FIREBREAK_TOKEN: 't' }, ROOT)).toThrow(
      /FIREBREAK_BACKUP_SCHEDULE/,
    );
  });
});
