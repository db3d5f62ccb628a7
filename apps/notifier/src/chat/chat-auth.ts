import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses to act on requests older than this; so do we (a captured request cannot be replayed later). */
export const SLACK_MAX_SKEW_SEC = 5 * 60;

export type SlackVerdict = 'ok' | 'missing' | 'stale' | 'forged';

/**
 * Slack's request signing, v0: `v0=` + hex HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`),
 * over the body exactly as it arrived, with a timestamp within five minutes of now.
 */
export function verifySlackRequest(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
  nowMs: number;
}): SlackVerdict {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return 'missing';
  if (Math.abs(input.nowMs / 1000 - Number(timestamp)) > SLACK_MAX_SKEW_SEC) return 'stale';
  const expected = `v0=${createHmac('sha256', input.secret).update(`v0:${timestamp}:${input.rawBody}`).digest('hex')}`;
  return sameSecret(signature, expected) ? 'ok' : 'forged';
}

/** Constant time whatever the lengths: both sides are hashed first, so the comparison never leaks how much matched. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected)) && given.length === expected.length;
}
