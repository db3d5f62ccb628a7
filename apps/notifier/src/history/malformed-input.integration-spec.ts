import { alertNotify, fingerprint } from '../testing/notifier-harness';
import { notifierWithFakes, OPERATOR, VIEWER } from '../testing/provider-fakes';

const b64 = (text: string) => Buffer.from(text).toString('base64url');

describe('notifier API: malformed input is a 4xx naming the field, never a 5xx', () => {
  const { h } = notifierWithFakes('notifier_malformed');

  const badQueries = [
    ...[
      '1',
      'x'.repeat(300),
      '%00',
      b64('seq:1x'),
      b64('seq:-1'),
      b64('seq:0'),
      b64(`seq:${'9'.repeat(19)}`),
      b64(`1|${'-'.repeat(36)}`),
      `${b64('seq:5')}==`,
      `${b64('seq:5')}!`,
    ].map((cursor) => `cursor=${encodeURIComponent(cursor)}`),
    'cursor=a&cursor=b',
    'limit=-1',
    'limit=0',
    'limit=1000000000000',
    'limit=abc',
    'limit=1.5',
    'limit=1&limit=2',
    'status=bogus',
    'status=sent&status=failed',
    'fingerprint=zz',
    'fingerprint=a&fingerprint=b',
    `fingerprint=${'A'.repeat(16)}`,
    'channel=%00',
    'channel=a&channel=b',
    `channel=${'x'.repeat(500)}`,
    'channel=Team%20Slack',
  ];

  it('answers 400 naming the parameter to every malformed query of the delivery list', async () => {
    for (const query of badQueries) {
      const response = await h.inject({ method: 'GET', url: `/api/v1/notifications?${query}`, token: VIEWER });
      const name = query.split('=')[0];
      expect({ query, status: response.statusCode }).toEqual({ query, status: 400 });
      expect({ query, named: JSON.stringify(response.json()).includes(name) }).toEqual({ query, named: true });
    }
  });

  it('still pages with the cursors it hands out', async () => {
    const fp = fingerprint();
    await h.announce(alertNotify('firing', fp, 'critical'));
    await h.settled(fp, 4, VIEWER);
    const first = await h.history(`fingerprint=${fp}&limit=3`, VIEWER);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await h.history(`fingerprint=${fp}&limit=3&cursor=${first.nextCursor}`, VIEWER);
    expect([first.items.length, second.items.length, second.nextCursor]).toEqual([3, 1, null]);
    // An id in upper case is the same delivery.
    const id = first.items[0].id as string;
    const upper = await h.inject({ method: 'GET', url: `/api/v1/notifications/${id.toUpperCase()}`, token: VIEWER });
    expect([upper.statusCode, upper.json().id]).toEqual([200, id]);
  });

  it('answers 4xx to bad ids and channel names on every detail and action endpoint', async () => {
    const ids = [
      '-'.repeat(36),
      '1',
      'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
      '%00',
      "'; DROP TABLE x; --",
      'x'.repeat(300),
      `${'0'.repeat(36)}`,
    ];
    for (const id of ids) {
      const encoded = encodeURIComponent(id);
      for (const [method, url] of [
        ['GET', `/api/v1/notifications/${encoded}`],
        ['POST', `/api/v1/notifications/${encoded}/retry`],
        ['POST', `/api/v1/channels/${encoded}/test`],
      ] as const) {
        const response = await h.inject({ method, url, token: OPERATOR, ...(method === 'POST' ? { payload: {} } : {}) });
        expect({ url, status: response.statusCode >= 400 && response.statusCode < 500 }).toEqual({ url, status: true });
      }
    }
    // A well-formed id nobody has is 404, a bad body 400.
    const missing = await h.inject({ method: 'GET', url: '/api/v1/notifications/00000000-0000-4000-8000-000000000000', token: VIEWER });
    expect(missing.statusCode).toBe(404);
    const body = await h.inject({
      method: 'POST',
      url: '/api/v1/channels/team-slack/test',
      token: OPERATOR,
      payload: { text: 'x'.repeat(5000) },
    });
    expect(body.statusCode).toBe(400);
    for (const query of ['cursor=1', 'limit=-1', 'status=a&status=b', 'x[]=1'])
      expect((await h.inject({ method: 'GET', url: `/api/v1/channels?${query}`, token: VIEWER })).statusCode).toBeLessThan(500);
  });
});
