import { truncate } from '../common/text';
import { StepResult, StepRunContext, StepRunner } from '../engine/engine.types';
import { excerptOf, RefusedError } from '../definitions/refusal';
import { StepFailure } from '../engine/step-failure';
import { renderText, renderUrl, renderValue } from '../definitions/template';
import { HttpWith } from '../definitions/step.schemas';
import { classifyFetchError } from './fetch-errors';
import { HostAllowList } from './host-allow-list';
import { HttpAnswer, sendHttp } from './http-client';
import { parseJsonOrText } from './read-limited';
import { ServiceInstances } from './service-instances';

// Outputs are kept in the execution state and rewritten with every attempt: bodies are capped.
const MAX_RESPONSE_BYTES = 64 * 1024;

/** `outputs.status` of an answer that is not HTTP; `0` is "no answer", 100-599 an HTTP status. */
export const INVALID_ANSWER = -1;

/** Resolves a templated URL and checks it against the allow-list; every refusal says which rule. */
export function resolveHttpUrl(template: string, ctx: Pick<StepRunContext, 'scope'>, allow: HostAllowList): URL {
  const rendered = renderUrl(template, ctx.scope);
  // The URL parser silently drops tabs and line breaks, so what would be sent is not what was written.
  // eslint-disable-next-line no-control-regex -- control characters are what is being refused
  if (/[\u0000-\u001f\u007f]/.test(rendered)) throw new RefusedError('url', `${excerptOf(rendered)} contains a control character`);
  let url: URL;
  try {
    url = new URL(rendered);
  } catch {
    throw new RefusedError('url', `${excerptOf(rendered)} is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RefusedError('url', `scheme ${url.protocol} is not http or https`);
  if (url.username || url.password) throw new RefusedError('url', 'credentials in the URL are not allowed');
  if (!allow.allows(url)) throw new RefusedError('http-allow', `host ${excerptOf(url.host)} is not in FIREBREAK_RUNBOOK_HTTP_ALLOW`);
  return url;
}

function renderHeaders(headers: Record<string, string>, ctx: StepRunContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, template] of Object.entries(headers)) {
    const value = renderText(template, ctx.scope);
    if (/[\r\n\0]/.test(value)) throw new RefusedError('http-header', `header ${name} would contain a line break`);
    out[name] = value;
  }
  return out;
}

/** An HTTP call to an allow-listed host. Redirects are not followed: they could lead off the allow-list. */
export class HttpStepRunner implements StepRunner {
  constructor(
    private readonly allow: HostAllowList,
    private readonly services: ServiceInstances = new ServiceInstances(new Map()),
  ) {}

  async run(ctx: StepRunContext): Promise<StepResult> {
    const spec = ctx.step.with as HttpWith;
    const url = resolveHttpUrl(spec.url, ctx, this.allow);
    if (spec.instanceOf !== undefined) this.checkInstanceOf(spec.instanceOf, url, ctx);
    const headers = renderHeaders(spec.headers, ctx);
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = typeof spec.body === 'string' ? renderText(spec.body, ctx.scope) : JSON.stringify(renderValue(spec.body, ctx.scope));
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type'))
        headers['content-type'] = typeof spec.body === 'string' ? 'text/plain' : 'application/json';
    }
    // No answer (refused connection, reset, DNS, TLS, no response in time) is `status: 0`, so a runbook can
    // tell a probe that reached nothing from one that was never sent (a refusal has no outputs).
    const own = new AbortController();
    const graceMs = Math.min(1_000, ctx.timeoutMs / 10);
    void ctx.clock.sleep(Math.max(0, ctx.timeoutMs - graceMs), own.signal).then(
      () => own.abort(new Error('no answer in time')),
      () => undefined,
    );
    const signal = AbortSignal.any([ctx.signal, own.signal]);
    let response: HttpAnswer;
    let read: { text: string; truncated: boolean };
    try {
      try {
        response = await sendHttp(url, { method: spec.method, headers, body, signal });
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        if (own.signal.aborted) return this.noAnswer(url, `no answer within ${Math.round((ctx.timeoutMs - graceMs) / 100) / 10}s`);
        const failure = classifyFetchError(error);
        if (failure.kind === 'no-answer') return this.noAnswer(url, failure.cause);
        // Something listens there and answered, but not in HTTP (another protocol's port, a broken proxy,
        // headers past the limit): status -1, which is neither "no answer" (0, restarted on by the shipped
        // probes) nor an HTTP status. Not retried: the same port answers the same way.
        if (failure.kind === 'invalid-answer')
          throw new StepFailure(`${url.host} answered, but not with valid HTTP: ${excerptOf(failure.cause, 200)}`, false, {
            status: INVALID_ANSWER,
            error: failure.cause,
          });
        // undici refused to send it (a "bad port", a header or body it will not write): the service was
        // never asked, so this is no evidence that it is down.
        throw new RefusedError('http-request', `the request to ${excerptOf(url.host)} could not be sent: ${excerptOf(failure.cause, 200)}`);
      }
      try {
        read = await response.read(MAX_RESPONSE_BYTES);
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        // The service answered (its status is known) but the body broke off: report the status it gave.
        const cause = own.signal.aborted ? 'the body did not arrive in time' : classifyFetchError(error).cause;
        throw new StepFailure(`HTTP ${response.status} from ${url.host}, body cut off: ${cause}`, true, {
          status: response.status,
          error: cause,
        });
      }
    } finally {
      if (!own.signal.aborted) own.abort(new Error('finished'));
    }
    const { text, truncated } = read;
    const outputs = { status: response.status, body: truncated ? text : parseJsonOrText(text), truncated };
    const excerpt = truncate(`${spec.method} ${url.origin}${url.pathname} → HTTP ${response.status}\n${text}`, 4_000);
    const expected = spec.expectStatus ?? [];
    const ok = expected.length ? expected.includes(response.status) : response.status >= 200 && response.status < 300;
    if (!ok) {
      const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
      throw new StepFailure(
        `HTTP ${response.status} from ${url.host} (expected ${expected.length ? expected.join(', ') : '2xx'})`,
        retryable,
        outputs,
        excerpt,
      );
    }
    return { outputs, excerpt };
  }

  /**
   * The probe and the action it decides must concern the same service: an alert's `instance` (what is probed) and
   * `job` (what is restarted) are both the sender's, so without this a closed port on any allow-listed host
   * would get any service restarted.
   */
  private checkInstanceOf(template: string, url: URL, ctx: StepRunContext): void {
    const service = renderText(template, ctx.scope);
    if (!this.services.has(service, url))
      throw new RefusedError(
        'service-instance',
        `${excerptOf(url.host)} is not an instance of service ${excerptOf(service)} in config/services.yaml`,
      );
  }

  private noAnswer(url: URL, cause: string): never {
    throw new StepFailure(`no response from ${url.host}: ${cause}`, true, { status: 0, error: cause });
  }
}
