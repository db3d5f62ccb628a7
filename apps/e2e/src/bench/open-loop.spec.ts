import { failureText } from './open-loop';

describe('open-loop send summary', () => {
  it('says every webhook was accepted only when none was refused or left unsent', () => {
    expect(failureText({ failures: {}, unsent: 0, webhooks: 100 })).toBe('every webhook sent accepted');
  });

  it('names refusals by cause and the webhooks the window closed on', () => {
    expect(failureText({ failures: { '503': 3, ECONNRESET: 1 }, unsent: 20, webhooks: 100 })).toBe(
      'webhooks refused: 3 × 503, 1 × ECONNRESET; 20/100 webhooks not sent in the window (ingress behind)',
    );
  });
});
