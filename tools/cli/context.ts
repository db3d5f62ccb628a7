import type { ApiClient } from './client';
import type { CliSettings } from './settings';

export type OutputFormat = 'table' | 'json';

/**
 * What every command group gets. `client()` and `settings()` resolve lazily (after commander parsed the global
 * options), so `--help` and usage errors need no config file.
 */
export interface CliContext {
  client(): ApiClient;
  settings(): CliSettings;
  readonly output: OutputFormat;
}
