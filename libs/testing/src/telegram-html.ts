export type TelegramHtmlResult = { ok: true; text: string } | { ok: false; error: string };

const SUPPORTED_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'a',
  'code',
  'pre',
  'tg-spoiler',
  'span',
  'blockquote',
]);
const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

const ENTITY = /&(?:(lt|gt|amp|quot)|#(\d{1,7})|#x([0-9a-f]{1,6}));/iy;
const END_TAG = /<\/([a-z][a-z-]*)\s*>/iy;
const START_TAG = /<([a-z][a-z-]*)((?:\s+[a-z-]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))*)\s*>/iy;
const ATTRIBUTE = /([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/gi;

/**
 * Parses text the way Telegram does for `parse_mode: "HTML"`, returning the plain text Telegram would
 * store or the "can't parse entities" reason. Stricter than Telegram on purpose: a bare `&` or `>` is
 * rejected too, since Telegram only tolerates them by accident and a sender that leaves them unescaped
 * will also leave a `<` unescaped sooner or later.
 */
export function parseTelegramHtml(html: string): TelegramHtmlResult {
  const open: string[] = [];
  let text = '';
  let i = 0;
  const fail = (reason: string): TelegramHtmlResult => ({ ok: false, error: reason });
  const at = (index: number) => `byte offset ${Buffer.byteLength(html.slice(0, index))}`;

  while (i < html.length) {
    const c = html[i];
    if (c === '&') {
      const decoded = matchAt(ENTITY, html, i);
      const char = decoded && decodeEntity(decoded);
      if (!decoded || char === undefined) return fail(`Unescaped "&" at ${at(i)}`);
      text += char;
      i += decoded[0].length;
    } else if (c === '>') {
      return fail(`Unescaped ">" at ${at(i)}`);
    } else if (c === '<') {
      const end = matchAt(END_TAG, html, i);
      const start = end ? null : matchAt(START_TAG, html, i);
      if (end) {
        const name = end[1].toLowerCase();
        const expected = open.pop();
        if (!expected) return fail(`Unexpected end tag at ${at(i)}`);
        if (expected !== name) return fail(`Unmatched end tag at ${at(i)}, expected "</${expected}>", found "</${name}>"`);
        i += end[0].length;
      } else if (start) {
        const name = start[1].toLowerCase();
        if (!SUPPORTED_TAGS.has(name)) return fail(`Unsupported start tag "${name}" at ${at(i)}`);
        if (name === 'span' && attributes(start[2]).class !== 'tg-spoiler') {
          return fail(`Tag "span" must have class "tg-spoiler" at ${at(i)}`);
        }
        open.push(name);
        i += start[0].length;
      } else {
        return fail(`Unescaped "<" at ${at(i)}`);
      }
    } else {
      text += c;
      i += 1;
    }
  }
  const unclosed = open.pop();
  if (unclosed) return fail(`Can't find end tag corresponding to start tag "${unclosed}"`);
  return { ok: true, text };
}

function matchAt(pattern: RegExp, input: string, index: number): RegExpExecArray | null {
  pattern.lastIndex = index;
  return pattern.exec(input);
}

function decodeEntity([, named, decimal, hex]: RegExpExecArray): string | undefined {
  if (named) return NAMED_ENTITIES[named.toLowerCase()];
  const codePoint = decimal ? Number.parseInt(decimal, 10) : Number.parseInt(hex, 16);
  return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : undefined;
}

function attributes(source: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [, name, double, single, bare] of source.matchAll(ATTRIBUTE)) {
    result[name.toLowerCase()] = double ?? single ?? bare;
  }
  return result;
}
