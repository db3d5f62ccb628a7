import { webhookBatch } from '@firebreak/testing';

export const ALERTS_PER_WEBHOOK = 10;

export interface OpenLoopOptions {
  /** The ingress's Alertmanager webhook URL. */
  url: string;
  token: string;
  /** A label unique to this send, so its alerts are new and its fingerprints its own. */
  run: string;
  alertsPerSec: number;
  durationSec: number;
  /** Webhooks in flight at most: past it the schedule slips, which shows as a lower sent rate. */
  maxInFlight?: number;
}

export interface OpenLoopResult {
  /** Fingerprint → when its webhook was sent, for the alerts the ingress accepted (2xx). */
  sentAt: Map<string, number>;
  webhooks: number;
  /** Webhooks never sent: the window closed while the ingress held `maxInFlight` unanswered. */
  unsent: number;
  /** Webhooks not accepted, by cause (`503`, `ECONNRESET`, ...): their alerts are not expected. */
  failures: Record<string, number>;
  firstSentAt: number;
  lastAcceptedAt: number;
  /** Accepted alerts ÷ the longer of the planned duration and the span from first send to last 200. */
  sentPerSec: number;
}

/**
 * Open-loop load: webhooks of 10 new alerts sent on a fixed schedule whatever the answers, each
 * alert's send time kept for its latency.
 */
export async function sendAtRate(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const maxInFlight = options.maxInFlight ?? 512;
  const webhooksPerSec = options.alertsPerSec / ALERTS_PER_WEBHOOK;
  const total = Math.max(1, Math.round(webhooksPerSec * options.durationSec));
  const sentAt = new Map<string, number>();
  const failures: Record<string, number> = {};
  const fail = (cause: string) => (failures[cause] = (failures[cause] ?? 0) + 1);
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let lastAcceptedAt = 0;
  const started = Date.now();
  const send = async (sequence: number) => {
    const { body, fingerprints } = webhookBatch(options.run, sequence, ALERTS_PER_WEBHOOK);
    const at = Date.now();
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      await response.arrayBuffer();
      if (response.status >= 200 && response.status < 300) {
        for (const fingerprint of fingerprints) sentAt.set(fingerprint, at);
        lastAcceptedAt = Math.max(lastAcceptedAt, Date.now());
      } else fail(String(response.status));
    } catch (error) {
      fail((error as { cause?: { code?: string } })?.cause?.code ?? (error instanceof Error ? error.name : String(error)));
    }
  };
  const done = () => {
    inFlight--;
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  // The window is fixed (open loop): what could not be sent within it is counted, never sent late.
  const closesAt = started + options.durationSec * 1000 + 1000;
  let unsent = 0;
  for (let sequence = 0; sequence < total; sequence++) {
    if (Date.now() > closesAt) {
      unsent = total - sequence;
      break;
    }
    const wait = started + (sequence * 1000) / webhooksPerSec - Date.now();
    if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
    while (inFlight >= maxInFlight) await new Promise<void>((resolve) => (wake = resolve));
    inFlight++;
    void send(sequence).finally(done);
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  const spanSec = Math.max(options.durationSec, (lastAcceptedAt - started) / 1000);
  return { sentAt, webhooks: total, unsent, failures, firstSentAt: started, lastAcceptedAt, sentPerSec: sentAt.size / spanSec };
}

export function failureText(result: Pick<OpenLoopResult, 'failures' | 'unsent' | 'webhooks'>): string {
  const entries = Object.entries(result.failures);
  const refused =
    entries.length === 0 ? 'every webhook sent accepted' : `webhooks refused: ${entries.map(([cause, n]) => `${n} × ${cause}`).join(', ')}`;
  return result.unsent > 0 ? `${refused}; ${result.unsent}/${result.webhooks} webhooks not sent in the window (ingress behind)` : refused;
}
