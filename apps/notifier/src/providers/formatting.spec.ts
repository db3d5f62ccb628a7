import { parseTelegramHtml } from '@firebreak/testing';
import { Notification } from '../notifications/notification';
import { pagerDutyEvent } from './pagerduty.provider';
import { renderSlackMessage } from './slack.provider';
import { renderTelegramHtml, TELEGRAM_CUT_MARKER, TELEGRAM_MAX_TEXT } from './telegram.provider';
import { webhookBody } from './webhook.provider';

const HOSTILE = {
  alertname: '<script>alert(1)</script>',
  team: 'R&D "core"',
  slack: '<!channel> <@U123> <https://evil|click>',
  markdown: '*_[x](y)_*',
  long: 'x'.repeat(5000),
};

function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    kind: 'firing',
    severity: 'critical',
    emoji: '🔴',
    source: HOSTILE.alertname,
    status: 'FIRING',
    title: 'Ops & <b>bold</b> > all',
    text: HOSTILE.slack,
    details: Object.entries(HOSTILE),
    links: [{ href: 'https://grafana/d?a=1&b=<2>|3', text: 'Source' }],
    fingerprint: '0123456789abcdef',
    dedupKey: '0123456789abcdef',
    labels: { alertname: HOSTILE.alertname, job: 'api', instance: 'api-1', namespace: 'prod' },
    annotations: { summary: 'Ops & co', runbook_url: 'https://runbooks/x' },
    occurredAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('Telegram HTML', () => {
  it('escapes every value so Telegram parses exactly the text we meant', () => {
    const html = renderTelegramHtml(
      notification({
        details: [
          ['team', HOSTILE.team],
          ['markdown', HOSTILE.markdown],
        ],
      }),
    );
    const parsed = parseTelegramHtml(html);
    expect(parsed).toEqual({ ok: true, text: expect.any(String) });
    const text = (parsed as { text: string }).text;
    expect(text).toContain('🔴 CRITICAL | <script>alert(1)</script>');
    expect(text).toContain('team: R&D "core"');
    expect(text).toContain('markdown: *_[x](y)_*');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<a href="https://grafana/d?a=1&amp;b=&lt;2&gt;|3">Source</a>');
  });

  it('cuts each long value, so one cannot crowd out the others', () => {
    const parsed = parseTelegramHtml(
      renderTelegramHtml(
        notification({
          details: [
            ['a', '&'.repeat(5000)],
            ['b', 'after'],
          ],
        }),
      ),
    );
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.text).toContain(`a: ${'&'.repeat(999)}…\nb: after`);
  });

  it('cuts a long message to 4096 characters after entity parsing, with a marker, still valid HTML', () => {
    const html = renderTelegramHtml(
      notification({ details: Array.from({ length: 10 }, (_, i) => [`k${i}`, '&'.repeat(5000)] as [string, string]) }),
    );
    const parsed = parseTelegramHtml(html);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.text.length).toBe(TELEGRAM_MAX_TEXT);
    expect(parsed.text.endsWith(TELEGRAM_CUT_MARKER)).toBe(true);
    expect(html.length).toBeGreaterThan(TELEGRAM_MAX_TEXT);
  });

  it('never splits a surrogate pair at the cut', () => {
    const parsed = parseTelegramHtml(
      renderTelegramHtml(notification({ details: Array.from({ length: 10 }, (_, i) => [`e${i}`, '😀'.repeat(3000)] as [string, string]) })),
    );
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('Slack blocks', () => {
  const message = renderSlackMessage(notification());
  const texts = (
    message.blocks as Array<{ type: string; text?: { type: string; text: string }; elements?: Array<{ text: string }> }>
  ).flatMap((b) => [...(b.text ? [b.text.text] : []), ...(b.elements ?? []).map((e) => e.text)]);

  it('has a header, sections and a context, and a text fallback', () => {
    expect((message.blocks as Array<{ type: string }>).map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    expect(message.text).toContain('🔴 CRITICAL | &lt;script&gt;');
  });

  it('escapes &, < and > everywhere, so <!channel> cannot ping', () => {
    const all = [message.text, ...texts].join('\n');
    expect(all).not.toMatch(/<!channel>|<@U123>|<script>/);
    expect(all).toContain('&lt;!channel&gt; &lt;@U123&gt;');
    expect(all).toContain('Ops &amp; &lt;b&gt;bold&lt;/b&gt; &gt; all');
  });

  it('puts values in plain_text, so Markdown shows as typed', () => {
    const details = (message.blocks as Array<{ type: string; text?: { type: string; text: string } }>).filter((b) => b.type === 'section');
    expect(details.every((b) => b.text?.type === 'plain_text')).toBe(true);
    expect(texts.join('\n')).toContain('markdown: *_[x](y)_*');
  });

  it('keeps links working but unable to break out of <url|text>', () => {
    expect(texts).toContain('<https://grafana/d?a=1&amp;b=%3C2%3E%7C3|Source>');
  });

  it('leaves out a link too long for a Slack text object instead of having the message refused', () => {
    const long = `https://prometheus.example/graph?g0.expr=${'x'.repeat(4000)}`;
    const withLongLink = renderSlackMessage({
      ...notification(),
      links: [
        { href: long, text: 'Source' },
        { href: 'https://runbooks/x', text: 'Runbook' },
      ],
    });
    const elements = (withLongLink.blocks as Array<{ type: string; elements?: Array<{ text: string }> }>).find(
      (b) => b.type === 'context',
    )!.elements!;
    expect(elements.every((element) => element.text.length <= 3000)).toBe(true);
    expect(elements.map((element) => element.text)).toContain('<https://runbooks/x|Runbook>');
  });

  it('stays within Slack limits with a 5000-character value and hundreds of details', () => {
    const big = renderSlackMessage(
      notification({ details: Array.from({ length: 400 }, (_, i) => [`k${i}`, '&'.repeat(5000)] as [string, string]) }),
    );
    const blocks = big.blocks as Array<{ type: string; text?: { text: string } }>;
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const block of blocks) expect(block.text?.text.length ?? 0).toBeLessThan(3000);
    expect(blocks.some((b) => b.text?.text.includes('…'))).toBe(true);
    expect(JSON.stringify(blocks)).not.toMatch(/&(?!amp;|lt;|gt;)/);
  });
});

describe('PagerDuty Events v2', () => {
  const key = 'k'.repeat(32);

  it('triggers with dedup_key = fingerprint, the mapped severity, details and http(s) links', () => {
    const event = pagerDutyEvent(notification(), key);
    expect(event).toMatchObject({
      routing_key: key,
      event_action: 'trigger',
      dedup_key: '0123456789abcdef',
      payload: {
        severity: 'critical',
        source: 'api-1',
        component: 'api',
        group: 'prod',
        class: HOSTILE.alertname,
        timestamp: '2025-01-01T00:00:00.000Z',
      },
      links: [{ href: 'https://grafana/d?a=1&b=<2>|3', text: 'Source' }],
      client: 'Firebreak',
    });
    const payload = event.payload as {
      summary: string;
      custom_details: { labels: Record<string, string>; annotations: Record<string, string> };
    };
    expect(payload.custom_details.labels.job).toBe('api');
    expect(payload.custom_details.annotations.runbook_url).toBe('https://runbooks/x');
  });

  it('cuts the summary to 1024 characters', () => {
    const event = pagerDutyEvent(notification({ title: 'y'.repeat(5000) }), key);
    expect((event.payload as { summary: string }).summary).toHaveLength(1024);
  });

  it("stays under PagerDuty's 512 KB however many large labels and annotations an alert has", () => {
    const big = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`label_${i}`, 'v'.repeat(8000)]));
    const event = pagerDutyEvent(notification({ labels: { ...big, instance: 'db-1' }, annotations: big }), key);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(512 * 1024);
    expect((event.payload as { custom_details: { labels: Record<string, string> } }).custom_details.labels.instance).toBe('db-1');
  });

  it('acknowledges and resolves by dedup_key alone', () => {
    expect(pagerDutyEvent(notification({ kind: 'resolved' }), key)).toEqual({
      routing_key: key,
      event_action: 'resolve',
      dedup_key: '0123456789abcdef',
    });
    expect(pagerDutyEvent(notification({ kind: 'acknowledged' }), key)).toEqual({
      routing_key: key,
      event_action: 'acknowledge',
      dedup_key: '0123456789abcdef',
    });
    expect(pagerDutyEvent(notification({ kind: 'escalated' }), key).event_action).toBe('trigger');
    expect(pagerDutyEvent(notification({ kind: 'repeat' }), key).event_action).toBe('trigger');
  });
});

describe('webhook body', () => {
  it('is the announcement CloudEvent when there is one, else a CloudEvent of the notifier', () => {
    const event = {
      specversion: '1.0' as const,
      id: 'e1',
      source: 'firebreak/mapper',
      type: 'firebreak.alerts.notify.v1',
      time: 't',
      data: { x: 1 },
    };
    expect(webhookBody({ id: 'd1', target: 'default', notification: notification({ event }) })).toBe(event);
    const test = webhookBody({ id: 'd2', target: 'default', notification: notification({ kind: 'test' }) }) as Record<string, unknown>;
    expect(test).toMatchObject({
      specversion: '1.0',
      id: 'd2',
      source: 'firebreak/notifier',
      type: 'firebreak.notifications.test.v1',
      data: { kind: 'test' },
    });
  });
});
