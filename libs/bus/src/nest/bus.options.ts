import type { Logger } from 'pino';

export const BUS_OPTIONS = Symbol('firebreak:bus-options');

export interface BusModuleOptions {
  natsUrl: string;
  app: string;
  subjectPrefix?: string;
  streamReplicas: number;
  publishTimeoutMs: number;
  logger: Logger;
}
