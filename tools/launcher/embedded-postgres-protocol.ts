/** What the launcher and its embedded Postgres helper process say to each other. */
export const EMBEDDED_PG_ENV = 'FIREBREAK_EMBEDDED_PG';

export interface EmbeddedPostgresSettings {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  initialise: boolean;
  createPostgresUser: boolean;
}

export type HelperMessage = { type: 'ready' } | { type: 'failed'; error: string };
