/** Text helpers for Markdown built from alert data, which is untrusted: it is shown, never interpreted. */

const MARKDOWN_SPECIALS = /[\\`*_{}[\]()<>#+\-.!|~]/g;

/** Escapes Markdown so a label value such as `[x](javascript:…)` or `# title` stays literal text. */
export function escapeMarkdown(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(MARKDOWN_SPECIALS, (c) => `\\${c}`);
}

/** The first prose paragraph of a Markdown body, without markup, at most `max` characters. */
export function summarise(body: string, max = 240): string {
  const paragraphs = body
    .split(/\n\s*\n/)
    .map((p) =>
      p
        .split('\n')
        .filter((line) => !/^\s*(#|```|\||---)/.test(line))
        .join(' ')
        .replace(/[*_`>#]|\[([^\]]*)\]\([^)]*\)/g, (m, link?: string) => link ?? '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((p) => p.length > 0);
  const first = paragraphs[0] ?? '';
  return first.length <= max ? first : `${first.slice(0, max - 1).trimEnd()}…`;
}

/** `3m`, `1h 5m`, `42s`: the seed's short duration style. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
}
