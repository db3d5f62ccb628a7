export type LauncherErrorCode =
  'bad_config' | 'nats_unavailable' | 'postgres_unavailable' | 'start_failed' | 'migration_failed' | 'not_ready' | 'nothing_to_start';

/** A failure the launcher explains to the person at the terminal; the message says what to do. */
export class LauncherError extends Error {
  constructor(
    readonly code: LauncherErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LauncherError';
  }
}
