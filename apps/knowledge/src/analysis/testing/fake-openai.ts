import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ChatRequest {
  headers: IncomingMessage['headers'];
  body: {
    model: string;
    max_tokens: number;
    messages: Array<{ role: string; content: string }>;
    response_format: { type: string; json_schema: { name: string; schema: unknown } };
  };
}

/** What the fake does for one request: answer with content, send a raw body, or hang. */
export type FakeReply = { content: string } | { raw: string | Buffer; status?: number } | { hang: true } | { bytes: number };

/**
 * An OpenAI-compatible `POST /v1/chat/completions` over real HTTP. Each request takes the next
 * queued reply (the last one repeats), so a test scripts a bad answer then a good one.
 */
export class FakeOpenAi {
  readonly requests: ChatRequest[] = [];
  /** Every answer waits this long first: a slow model. */
  answerDelayMs = 0;
  /** Requests being answered now, and the most there were at once (reset it with `maxInFlight = 0`). */
  inFlight = 0;
  maxInFlight = 0;
  private replies: FakeReply[] = [];
  private server?: Server;
  private readonly hanging = new Set<ServerResponse>();

  reply(...replies: FakeReply[]): void {
    this.replies = replies;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404).end();
      return;
    }
    this.requests.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest['body'] });
    const reply = this.replies.length > 1 ? this.replies.shift()! : this.replies[0];
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    res.once('close', () => this.inFlight--);
    if (this.answerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.answerDelayMs));
    if (!reply || 'hang' in reply) {
      this.hanging.add(res);
      return;
    }
    if ('bytes' in reply) {
      // A huge answer streamed in 64 KiB pieces: the client must stop reading, not buffer it all.
      res.writeHead(200, { 'content-type': 'application/json' });
      const piece = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      res.write('{"choices":[{"message":{"content":"');
      const pump = () => {
        while (sent < reply.bytes) {
          sent += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end('"}}]}');
      };
      res.on('error', () => undefined);
      pump();
      return;
    }
    if ('raw' in reply) {
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' }).end(reply.raw);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `chatcmpl-${this.requests.length}`,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: 'stop' }],
      }),
    );
  }
}
