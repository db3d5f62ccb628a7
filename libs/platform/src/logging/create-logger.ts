import pino, { Logger } from 'pino';

/** Paths whose values never reach a log line (tokens, passwords, provider secrets). */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.token',
  '*.botToken',
  '*.routingKey',
  '*.webhookUrl',
  '*.secret',
  'config.FIREBREAK_API_TOKENS',
  'config.FIREBREAK_WEBHOOK_TOKENS',
  'config.FIREBREAK_WEBHOOK_BASIC_AUTH',
];

export function createLogger(app: string, level: string): Logger {
  return pino({
    level,
    base: { app },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  });
}
