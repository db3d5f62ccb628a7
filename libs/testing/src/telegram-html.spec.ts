import { parseTelegramHtml } from './telegram-html';

describe('parseTelegramHtml', () => {
  it.each([
    ['<b>bold</b> <i>it</i> <a href="https://x.example/?a=1&amp;b=2">link</a>', 'bold it link'],
    ['<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', 'st'],
    ['<pre><code class="language-sh">ls &gt; out</code></pre>', 'ls > out'],
    ['&lt;!channel&gt; &quot;q&quot; &#128293; &#x1F525;', '<!channel> "q" 🔥 🔥'],
    ['<blockquote>quoted</blockquote>', 'quoted'],
  ])('accepts %s', (html, text) => {
    expect(parseTelegramHtml(html)).toEqual({ ok: true, text });
  });

  it.each([
    ['<script>x</script>', 'Unsupported start tag "script" at byte offset 0'],
    ['é <b>x', 'Can\'t find end tag corresponding to start tag "b"'],
    ['<b>x</i>', 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'],
    ['x</b>', 'Unexpected end tag at byte offset 1'],
    ['é & b', 'Unescaped "&" at byte offset 3'],
    ['a > b', 'Unescaped ">" at byte offset 2'],
    ['a < b', 'Unescaped "<" at byte offset 2'],
    ['<span>x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'],
    ['&nbsp;', 'Unescaped "&" at byte offset 0'],
  ])('rejects %s', (html, error) => {
    expect(parseTelegramHtml(html)).toEqual({ ok: false, error });
  });
});
