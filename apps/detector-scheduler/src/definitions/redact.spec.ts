import { redactUrl, scrubUrl } from './redact';

describe('redactUrl', () => {
  it.each([
    ['https://user:s3cret@api.example.com/health', 'https://***:***@api.example.com/health'],
    ['https://token@api.example.com/', 'https://***@api.example.com/'],
    ['https://api.example.com/x?api_key=s3cret&page=2&page=3', 'https://api.example.com/x?api_key=***&page=***&page=***'],
    ['http://127.0.0.1:9090/', 'http://127.0.0.1:9090/'],
    ['not a url', '***'],
  ])('%s → %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
    expect(redactUrl(url)).not.toContain('s3cret');
  });
});

describe('scrubUrl', () => {
  it('hides the URL and its secret parts wherever a message quotes them', () => {
    const url = 'http://user:s3cret@127.0.0.1:1234/x?token=t0k%2Ben&page=1';
    const message = `Request cannot be constructed from a URL that includes credentials: ${new URL(url).href} (s3cret, t0k+en, page 1)`;
    const scrubbed = scrubUrl(message, url);
    expect(scrubbed).toBe(
      'Request cannot be constructed from a URL that includes credentials: http://***:***@127.0.0.1:1234/x?token=***&page=*** (***, ***, page 1)',
    );
  });
});
