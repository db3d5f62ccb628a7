/** One stream per domain. Durations in milliseconds; the bus turns them into the server's units. */
export interface StreamDefinition {
  name: string;
  subjects: string[];
  maxAgeMs: number;
  duplicateWindowMs: number;
  maxBytes: number;
  replicas: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

// The alerts duplicate window covers Alertmanager's retries of one notification, which it bounds by
// the group interval (5 min by default). A longer window costs server memory at storm rates; the
// consumers' inboxes catch anything older anyway.
const DOMAINS = [
  { domain: 'alerts', stream: 'FIREBREAK_ALERTS', maxAgeMs: 7 * DAY, duplicateWindowMs: 5 * MINUTE },
  { domain: 'runbooks', stream: 'FIREBREAK_RUNBOOKS', maxAgeMs: 14 * DAY, duplicateWindowMs: 5 * MINUTE },
  { domain: 'notifications', stream: 'FIREBREAK_NOTIFICATIONS', maxAgeMs: 7 * DAY, duplicateWindowMs: 2 * MINUTE },
  { domain: 'detectors', stream: 'FIREBREAK_DETECTORS', maxAgeMs: 3 * DAY, duplicateWindowMs: 2 * MINUTE },
  { domain: 'slo', stream: 'FIREBREAK_SLO', maxAgeMs: 30 * DAY, duplicateWindowMs: 2 * MINUTE },
  // Requests people make through a chat (Slack/Telegram buttons): a retried webhook within the window is
  // dropped by its Nats-Msg-Id; a request older than a day is stale anyway.
  { domain: 'commands', stream: 'FIREBREAK_COMMANDS', maxAgeMs: DAY, duplicateWindowMs: 5 * MINUTE },
  { domain: 'dlq', stream: 'FIREBREAK_DLQ', maxAgeMs: 30 * DAY, duplicateWindowMs: 2 * MINUTE },
] as const;

export interface StreamOptions {
  /** FIREBREAK_SUBJECT_PREFIX: lets several installations (or test files) share one NATS account. */
  subjectPrefix?: string;
  replicas?: number;
  maxBytesPerStream?: number;
}

export function prefixedSubject(subject: string, subjectPrefix?: string): string {
  return subjectPrefix ? `${subjectPrefix}.${subject}` : subject;
}

export function streamName(base: string, subjectPrefix?: string): string {
  return subjectPrefix ? `${base}_${subjectPrefix.replace(/[^A-Za-z0-9_-]/g, '_').toUpperCase()}` : base;
}

export function streamDefinitions(options: StreamOptions = {}): StreamDefinition[] {
  return DOMAINS.map((entry) => ({
    name: streamName(entry.stream, options.subjectPrefix),
    subjects: [prefixedSubject(`${entry.domain}.>`, options.subjectPrefix)],
    maxAgeMs: entry.maxAgeMs,
    duplicateWindowMs: entry.duplicateWindowMs,
    maxBytes: options.maxBytesPerStream ?? -1,
    replicas: options.replicas ?? 1,
  }));
}

/** The stream that holds a (unprefixed) subject. */
export function streamForSubject(subject: string, subjectPrefix?: string): string {
  const domain = subject.split('.')[0];
  const entry = DOMAINS.find((candidate) => candidate.domain === domain);
  if (!entry) throw new Error(`no stream holds subject "${subject}"`);
  return streamName(entry.stream, subjectPrefix);
}
