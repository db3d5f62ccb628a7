import { z } from 'zod';

/**
 * A client for any OpenAI-compatible `POST {url}/chat/completions` (OpenAI, Ollama's /v1, vLLM,
 * LiteLLM). Plain `fetch` (Node 24): the one call needs a timeout, a size cap on the answer and a
 * JSON-schema response format, all of which an SDK would wrap without making any of them easier to
 * bound; and no SDK ties us to one vendor's extras.
 */

/** Why an attempt gave no usable answer; a bounded set (metric label, `fallbackReason`). */
export type LlmFailure = 'timeout' | 'network' | 'http_error' | 'too_large' | 'not_json' | 'wrong_schema' | 'circuit_open';

export class LlmError extends Error {
  constructor(
    readonly reason: LlmFailure,
    message: string,
  ) {
    super(message);
  }

  /** An answer came, but not one we can use: worth one more try. A timeout or outage is not retried (it would blow the 30 s budget). */
  get invalidAnswer(): boolean {
    return this.reason === 'not_json' || this.reason === 'wrong_schema' || this.reason === 'too_large';
  }
}

export interface LlmSettings {
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  maxTokens: number;
  maxResponseBytes: number;
}

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

const CompletionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

export class LlmClient {
  constructor(private readonly settings: LlmSettings) {}

  /** One completion whose content must be JSON matching `schema` (sent as `response_format` and checked here). */
  async completeJson<T>(
    messages: ChatMessage[],
    schema: z.ZodType<T>,
    schemaName: string,
    timeoutMs = this.settings.timeoutMs,
  ): Promise<T> {
    const { url, model, apiKey, maxTokens, maxResponseBytes } = this.settings;
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(`${url.replace(/\/+$/, '')}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({
          model,
          messages,
          max_tokens: maxTokens,
          temperature: 0,
          response_format: {
            type: 'json_schema',
            json_schema: { name: schemaName, strict: true, schema: wireSchema(schema) },
          },
        }),
        signal,
        redirect: 'error',
      });
    } catch (error) {
      throw failureOf(error, signal);
    }
    const text = await readCapped(response, maxResponseBytes, signal);
    if (!response.ok) throw new LlmError('http_error', `HTTP ${response.status}: ${text.slice(0, 200)}`);
    const completion = CompletionSchema.safeParse(parseJson(text, 'the completion'));
    if (!completion.success) throw new LlmError('wrong_schema', 'the completion is not in the chat/completions shape');
    const content = completion.data.choices[0].message.content ?? '';
    const answer = schema.safeParse(parseJson(stripFence(content), 'the model’s answer'));
    if (!answer.success)
      throw new LlmError('wrong_schema', `the model’s answer breaks the schema: ${answer.error.issues[0]?.message ?? ''}`);
    return answer.data;
  }
}

/** The JSON Schema sent as `response_format`; `$schema` is left out (some servers refuse keywords they do not know). */
function wireSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-7' }) as Record<string, unknown>;
  return rest;
}

/** The body, or a failure once it passes `max` bytes: a 10 MB answer is never held in memory whole. */
async function readCapped(response: Response, max: number, signal: AbortSignal): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => undefined);
        throw new LlmError('too_large', `the answer is larger than ${max} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof LlmError) throw error;
    throw failureOf(error, signal);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new LlmError('not_json', `${what} is not JSON`);
  }
}

/** Some servers wrap JSON in a Markdown fence even when asked for a schema; the fence is not the answer. */
function stripFence(content: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(content);
  return fenced ? fenced[1] : content;
}

function failureOf(error: unknown, signal: AbortSignal): LlmError {
  if (signal.aborted) return new LlmError('timeout', 'the model did not answer in time');
  return new LlmError('network', `the model could not be reached: ${(error as Error).message}`);
}
