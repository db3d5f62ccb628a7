import { storableText as storableForPostgres } from '@firebreak/platform';
/**
 * Cuts text to at most `max` UTF-16 units (Telegram's and Slack's limits count at least that many
 * characters), never splitting a surrogate pair, and ends it with `marker` when it was cut.
 */
export function cut(text: string, max: number, marker = '…'): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - marker.length);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return text.slice(0, end) + marker;
}

/**
 * The longest prefix of `text` whose escaped form fits `max` units, cut between characters so an
 * entity is never split. Returns the raw prefix; escape it afterwards.
 */
export function prefixFittingEscaped(text: string, max: number, escapedLength: (char: string) => number): string {
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = escapedLength(char);
    if (used + size > max) break;
    used += size;
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * Text from outside (a provider's answer, an error message) made safe to store: Postgres refuses a
 * NUL in text and jsonb (SQLSTATE 22021, 22P05) and a lone surrogate in jsonb (22P02), and one such
 * character must not keep an answer from being written. Strips them, then cuts to at most `max`
 * UTF-16 units without splitting a surrogate pair.
 */
export function storableText(text: string, max = Number.MAX_SAFE_INTEGER): string {
  return cut(storableForPostgres(text, ''), max, '');
}

export function isHttpUrl(value: string | undefined): value is string {
  if (!value) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
