import { randomBytes } from 'node:crypto';
import { FailureSpec, FakeResponse, FakeServer, isRecord, RecordedRequest, retryAfterHeader } from './fake-server';

export type PagerDutyEventAction = 'trigger' | 'acknowledge' | 'resolve';

/** An accepted Events API v2 event, as sent (loosely typed; optional fields pass through). */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: PagerDutyEventAction;
  dedup_key?: string;
  payload?: { summary: string; source: string; severity: string; [field: string]: unknown };
  [field: string]: unknown;
}

export interface PagerDutyIncident {
  dedupKey: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  /** Events that reached this incident, the opening trigger first. */
  events: PagerDutyEvent[];
}

const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);
const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

/** PagerDuty Events API v2: `POST /v2/enqueue`, with incidents tracked by dedup_key. */
export class FakePagerDuty extends FakeServer {
  readonly events: PagerDutyEvent[] = [];
  private readonly byDedupKey = new Map<string, PagerDutyIncident>();

  get eventsUrl(): string {
    return `${this.url}/v2/enqueue`;
  }

  /** The latest incident per dedup_key; a trigger after a resolve replaces it with a new one. */
  incidents(): Map<string, PagerDutyIncident> {
    return new Map(this.byDedupKey);
  }

  protected override resetState(): void {
    this.events.length = 0;
    this.byDedupKey.clear();
  }

  protected override failureResponse(failure: FailureSpec): FakeResponse {
    const body =
      failure.status === 429
        ? { status: 'throttle event', message: 'Requests for this service are arriving too quickly.  Please retry later.' }
        : { status: 'error', message: 'Internal server error' };
    return { status: failure.status, body, headers: retryAfterHeader(failure) };
  }

  protected override handle(request: RecordedRequest): FakeResponse {
    if (request.path !== '/v2/enqueue' || request.method !== 'POST') {
      return { status: 404, body: { status: 'not found', message: 'Not Found' } };
    }
    if (!isRecord(request.body)) return invalid(['Event object is not valid JSON']);
    const errors = validate(request.body);
    if (errors.length > 0) return invalid(errors);

    const event = { ...request.body } as PagerDutyEvent;
    event.dedup_key ??= randomBytes(16).toString('hex');
    this.events.push(event);
    this.apply(event, event.dedup_key);
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: event.dedup_key } };
  }

  private apply(event: PagerDutyEvent, dedupKey: string): void {
    const incident = this.byDedupKey.get(dedupKey);
    const open = incident && incident.status !== 'resolved';
    switch (event.event_action) {
      case 'trigger':
        if (open) incident.events.push(event);
        else this.byDedupKey.set(dedupKey, { dedupKey, status: 'triggered', events: [event] });
        return;
      case 'acknowledge':
      case 'resolve':
        // PagerDuty drops acknowledge/resolve for a key with no open incident.
        if (!open) return;
        incident.events.push(event);
        incident.status = event.event_action === 'resolve' ? 'resolved' : 'acknowledged';
        return;
    }
  }
}

function validate(body: Record<string, unknown>): string[] {
  const errors: string[] = [];
  if (typeof body.routing_key !== 'string' || body.routing_key.length !== 32) {
    errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  }
  const action = body.event_action;
  if (typeof action !== 'string' || !ACTIONS.has(action)) {
    errors.push("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)");
  }
  const dedupKey = body.dedup_key;
  if (dedupKey !== undefined && (typeof dedupKey !== 'string' || dedupKey.length > 255)) {
    errors.push("'dedup_key' is invalid (must be a string of at most 255 characters)");
  }
  if ((action === 'acknowledge' || action === 'resolve') && (typeof dedupKey !== 'string' || dedupKey === '')) {
    errors.push(`'dedup_key' is missing or blank (required for ${action})`);
  }
  if (action === 'trigger') errors.push(...validatePayload(body.payload));
  return errors;
}

function validatePayload(payload: unknown): string[] {
  if (!isRecord(payload)) return ["'payload' is missing or not an object"];
  const errors: string[] = [];
  const { summary, source, severity } = payload;
  if (typeof summary !== 'string' || summary === '') errors.push("'payload.summary' is missing or blank");
  else if (summary.length > 1024) errors.push("'payload.summary' is too long (at most 1024 characters)");
  if (typeof source !== 'string' || source === '') errors.push("'payload.source' is missing or blank");
  if (typeof severity !== 'string' || !SEVERITIES.has(severity)) {
    errors.push("'payload.severity' is invalid (must be one of: critical, error, warning, info)");
  }
  return errors;
}

function invalid(errors: string[]): FakeResponse {
  return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } };
}
