import type { JetStreamManager } from '@nats-io/jetstream';
import { DeadLetter, deriveEventId, isSubject, parseDeadLetter, streamName } from '@firebreak/contracts';
import { EventPublisher, SubjectNames } from '@firebreak/bus';
import { StepResult, StepRunContext, StepRunner } from '../engine/engine.types';
import { StepFailure } from '../engine/step-failure';
import { DlqWith } from '../definitions/step.schemas';

export interface DeadLetterEntry {
  seq: number;
  id: string;
  letter: DeadLetter;
}

export interface DlqDependencies {
  jsm: () => JetStreamManager;
  subjects: SubjectNames;
  publisher: EventPublisher;
  archive: (entry: DeadLetterEntry, executionId: string) => Promise<void>;
}

const TRACE_HEADERS = ['traceparent', 'tracestate'];

/**
 * Firebreak's own dead-letter stream: `inspect` counts it, `replay` republishes letters whose
 * failure may have been transient (under a replay id, so a second replay is dropped and the
 * consumer's inbox drops a copy), `archive` keeps the rest in Postgres. Handled letters leave the stream.
 */
export class DlqStepRunner implements StepRunner {
  constructor(private readonly deps: DlqDependencies) {}

  async run(ctx: StepRunContext): Promise<StepResult> {
    const spec = ctx.step.with as DlqWith;
    const stream = streamName('FIREBREAK_DLQ', this.deps.subjects.prefix);
    const entries = await this.read(stream, spec, ctx.signal);
    const chosen = entries.filter(
      (entry) => (spec.reasons ?? (spec.action === 'replay' ? ['handler_failed'] : undefined))?.includes(entry.letter.reason) ?? true,
    );
    switch (spec.action) {
      case 'inspect':
        return { outputs: summarise(entries), excerpt: JSON.stringify(summarise(entries)) };
      case 'replay': {
        const replayable = chosen.filter((entry) => isSubject(entry.letter.originalSubject));
        for (const entry of replayable) await this.replay(stream, entry);
        return {
          outputs: { replayed: replayable.length, skipped: chosen.length - replayable.length },
          excerpt: `replayed ${replayable.length} dead letter(s)`,
        };
      }
      case 'archive':
        for (const entry of chosen) {
          await this.deps.archive(entry, ctx.execution.id);
          await this.deps.jsm().streams.deleteMessage(stream, entry.seq);
        }
        return { outputs: { archived: chosen.length }, excerpt: `archived ${chosen.length} dead letter(s)` };
    }
  }

  private async read(stream: string, spec: DlqWith, signal: AbortSignal): Promise<DeadLetterEntry[]> {
    const jsm = this.deps.jsm();
    const { state } = await jsm.streams.info(stream);
    const entries: DeadLetterEntry[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && entries.length < spec.limit && state.messages > 0; seq++) {
      if (signal.aborted) throw new StepFailure('aborted while reading the dead-letter stream', false);
      const stored = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (!stored) continue;
      try {
        const event = parseDeadLetter(JSON.parse(new TextDecoder().decode(stored.data)));
        if (spec.subjects && !spec.subjects.includes(event.data.originalSubject)) continue;
        entries.push({ seq, id: event.id, letter: event.data });
      } catch {
        // Not a Firebreak dead letter: left where it is for a person to look at.
      }
    }
    return entries;
  }

  private async replay(stream: string, entry: DeadLetterEntry): Promise<void> {
    const headers = Object.fromEntries(Object.entries(entry.letter.headers).filter(([name]) => TRACE_HEADERS.includes(name.toLowerCase())));
    const subject = entry.letter.originalSubject;
    await this.deps.publisher.publishRaw(
      this.deps.subjects.wire(subject),
      subject,
      new TextEncoder().encode(entry.letter.payload),
      deriveEventId('dlq-replay', entry.id),
      headers,
    );
    await this.deps.jsm().streams.deleteMessage(stream, entry.seq);
  }
}

function summarise(entries: DeadLetterEntry[]): Record<string, unknown> {
  const count = (key: (entry: DeadLetterEntry) => string) =>
    entries.reduce<Record<string, number>>((acc, entry) => ({ ...acc, [key(entry)]: (acc[key(entry)] ?? 0) + 1 }), {});
  return {
    total: entries.length,
    replayable: entries.filter((entry) => entry.letter.reason === 'handler_failed' && isSubject(entry.letter.originalSubject)).length,
    bySubject: count((entry) => entry.letter.originalSubject),
    byReason: count((entry) => entry.letter.reason),
    oldest: entries[0]?.letter.deadLetteredAt ?? null,
  };
}
