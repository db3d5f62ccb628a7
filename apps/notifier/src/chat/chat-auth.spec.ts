import { createHmac } from 'node:crypto';
import { sameSecret, verifySlackRequest } from './chat-auth';

// Slack's documented example: this signing secret, timestamp and body give this signature.
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TIMESTAMP = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const AT = Number(TIMESTAMP) * 1000;

describe('Slack request signing (v0)', () => {
  const verify = (overrides: Partial<Parameters<typeof verifySlackRequest>[0]>) =>
    verifySlackRequest({ secret: SECRET, timestamp: TIMESTAMP, signature: SIGNATURE, rawBody: BODY, nowMs: AT, ...overrides });

  it("accepts Slack's own example", () => {
    expect(verify({})).toBe('ok');
  });

  it('refuses a body changed by one byte, another secret, or a signature without its v0= prefix', () => {
    expect(verify({ rawBody: `${BODY}x` })).toBe('forged');
    expect(verify({ secret: `${SECRET}0` })).toBe('forged');
    expect(verify({ signature: SIGNATURE.slice(3) })).toBe('forged');
  });

  it('refuses a timestamp more than five minutes from now either way, and accepts one at the edge', () => {
    expect(verify({ nowMs: AT + 301_000 })).toBe('stale');
    expect(verify({ nowMs: AT - 301_000 })).toBe('stale');
    expect(verify({ nowMs: AT + 300_000 })).toBe('ok');
  });

  it('refuses missing headers and a timestamp that is not a whole number', () => {
    expect(verify({ signature: undefined })).toBe('missing');
    expect(verify({ timestamp: undefined })).toBe('missing');
    expect(verify({ timestamp: '1531420618.5' })).toBe('missing');
  });

  it('checks the body as it arrived: the same fields in another order need their own signature', () => {
    const reordered = BODY.split('&').reverse().join('&');
    const signed = `v0=${createHmac('sha256', SECRET).update(`v0:${TIMESTAMP}:${reordered}`).digest('hex')}`;
    expect(verify({ rawBody: reordered, signature: signed })).toBe('ok');
    expect(verify({ rawBody: BODY, signature: signed })).toBe('forged');
  });
});

describe('secret comparison', () => {
  it('matches only the same string, whatever the lengths', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abd', 'abc')).toBe(false);
    expect(sameSecret('ab', 'abc')).toBe(false);
    expect(sameSecret('', 'abc')).toBe(false);
    expect(sameSecret(undefined, 'abc')).toBe(false);
  });
});
