import { Inject, Injectable } from '@nestjs/common';
import { InboxBatch, InboxKey, Transaction, TransactionalMessaging } from '@firebreak/bus';
import { CLOCK, Clock, CONFIG } from '@firebreak/platform';
import { batchLimits, MapperConfig } from '../service';
import { BatchLimits } from '../core/write-batch';
import { AlertPatch, AlertRecord, withPatch } from './alert-record';
import { AlertStateRepository } from './alert-state.repository';
import { AlertTransaction, EffectStores } from './alert-transaction';
import { Command, Decision, decide } from './alert-machine';
import { applyEffects } from './apply-effects';
import { HistoryRepository } from './history.repository';
import { RunbookRequestsRepository } from './runbook-requests.repository';
import { TimersRepository } from './timers.repository';

export type Outcome<T> = { duplicate: true } | { duplicate: false; result: T };

/**
 * Where every change of an alert goes through: a transaction (`run`), the machine's decision with
 * this service's settings (`decide`), and its performance (`perform`): the patch written to the
 * locked row, the effects applied.
 */
@Injectable()
export class AlertLifecycle {
  private readonly stores: EffectStores;
  private readonly dedupWindowMs: number;
  private readonly automationEnabled: boolean;
  private readonly maxClockSkewMs: number;
  private readonly limits: BatchLimits;

  constructor(
    private readonly messaging: TransactionalMessaging,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly state: AlertStateRepository,
    history: HistoryRepository,
    timers: TimersRepository,
    requests: RunbookRequestsRepository,
    @Inject(CONFIG) config: MapperConfig,
  ) {
    this.stores = { history, timers, requests };
    this.dedupWindowMs = config.FIREBREAK_DEDUP_WINDOW_SEC * 1000;
    this.automationEnabled = config.FIREBREAK_AUTOMATION_ENABLED;
    this.maxClockSkewMs = config.FIREBREAK_MAX_CLOCK_SKEW;
    this.limits = batchLimits(config);
  }

  /**
   * Runs `work` in one transaction with what it staged. With an inbox key a redelivery is a no-op;
   * with an inbox batch `work` gets the ids that are new and handles only those.
   */
  run<T>(work: (tx: AlertTransaction) => Promise<T>): Promise<T>;
  run<T>(work: (tx: AlertTransaction, fresh: ReadonlySet<string>) => Promise<T>, inbox: InboxKey | InboxBatch): Promise<Outcome<T>>;
  async run<T>(
    work: (tx: AlertTransaction, fresh: ReadonlySet<string>) => Promise<T>,
    inbox?: InboxKey | InboxBatch,
  ): Promise<T | Outcome<T>> {
    let tx: AlertTransaction | undefined;
    const inTransaction = async (bus: Transaction, fresh: ReadonlySet<string> = new Set()) => {
      tx = new AlertTransaction(bus, this.stores, this.clock, this.limits);
      const result = await work(tx, fresh);
      await tx.flush();
      return result;
    };
    if (!inbox) {
      const result = await this.messaging.run((bus) => inTransaction(bus));
      tx?.committed();
      return result;
    }
    const outcome = await this.messaging.run(inTransaction, inbox);
    if (outcome.duplicate) return outcome;
    tx?.committed();
    return { duplicate: false, result: outcome.result };
  }

  decide(tx: AlertTransaction, stored: AlertRecord | null, command: Command): Decision {
    return decide(stored, command, {
      now: tx.now,
      dedupWindowMs: this.dedupWindowMs,
      automationEnabled: this.automationEnabled,
      maxClockSkewMs: this.maxClockSkewMs,
    });
  }

  /**
   * Writes the decision's patch to the stored row the transaction holds (with none, the caller
   * inserted `decision.record`) and applies its effects. The row is written whole, as it is with the
   * patch: the transaction holds it locked, so nothing else changed it since it was read.
   */
  async perform(tx: AlertTransaction, stored: AlertRecord | null, decision: Decision): Promise<void> {
    if (stored) {
      const row = patched(stored, decision.patch);
      if (row !== stored) this.state.update(tx.writes, row);
    }
    await applyEffects(tx, decision.effects, decision.at);
  }

  /** Decides and performs a command on an alert the transaction holds locked (or on none). */
  async execute(tx: AlertTransaction, stored: AlertRecord | null, command: Command): Promise<Decision> {
    const decision = this.decide(tx, stored, command);
    if (!stored && decision.record) throw new Error(`${command.type} cannot create an alert`);
    await this.perform(tx, stored, decision);
    return decision;
  }
}

/** The stored row with the patch's fields (an undefined one leaves its field as it is); the row itself when nothing changes. */
function patched(stored: AlertRecord, patch: AlertPatch): AlertRecord {
  for (const field in patch) if (patch[field as keyof AlertPatch] !== undefined) return withPatch(stored, patch);
  return stored;
}
