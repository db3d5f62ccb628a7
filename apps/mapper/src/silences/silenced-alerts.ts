import { Inject, Injectable } from '@nestjs/common';
import { matchesAll } from '@firebreak/contracts';
import { ESCALATION_POLICY, EscalationPolicy } from '../escalation/escalation-config';
import { AlertLifecycle } from '../lifecycle/alert-lifecycle.service';
import { AlertTransaction } from '../lifecycle/alert-transaction';
import { MappingResolver } from '../mappings/mapping-resolver.service';
import { CoveredAlertsRepository } from './covered-alerts.repository';
import { ActiveSilence, equalityLabels, findSilence } from './silence';
import { SilenceReader } from './silence-reader';
import { SilencesRepository } from './silences.repository';

/** One page of a silence starting: how many it silenced, and where the next page starts (null: none left). */
export interface SilencePage {
  silenced: number;
  next: string | null;
}

/** What a silence starting or ending does to the alerts it covers, one lifecycle command per alert, one bounded page per call. */
@Injectable()
export class SilencedAlerts {
  constructor(
    private readonly lifecycle: AlertLifecycle,
    private readonly covered: CoveredAlertsRepository,
    private readonly silences: SilencesRepository,
    private readonly reader: SilenceReader,
    private readonly resolver: MappingResolver,
    @Inject(ESCALATION_POLICY) private readonly escalation: EscalationPolicy,
  ) {}

  /** The firing alerts it matches among the next `limit` candidates after fingerprint `after` turn silenced. */
  async silencePage(tx: AlertTransaction, silence: ActiveSilence, after: string, limit: number): Promise<SilencePage> {
    const candidates = await this.covered.lockFiringPage(tx.manager, equalityLabels(silence.matchers), after, limit);
    const hits = candidates.filter((alert) => matchesAll(silence.matchers, alert.labels));
    for (const alert of hits) {
      await this.lifecycle.execute(tx, alert, {
        type: 'silence_applied',
        silenceId: silence.id,
        sourceId: `silence:${silence.id}:start:${alert.fingerprint}`,
      });
    }
    return { silenced: hits.length, next: candidates.length < limit ? null : candidates[candidates.length - 1].fingerprint };
  }

  /** Up to `limit` alerts it held fire again, unless another silence takes them; returns how many it released. */
  async releasePage(tx: AlertTransaction, silenceId: string, limit: number): Promise<number> {
    const held = await this.covered.lockHeldPage(tx.manager, silenceId, limit);
    if (held.length === 0) return 0;
    const others = this.reader.usable((await this.silences.unexpired(tx.now, tx.manager)).filter((silence) => silence.id !== silenceId));
    for (const alert of held) {
      const replacement = findSilence(others, alert.labels, tx.now);
      // The source id names the silence and the alert, not the page: a page done again after a crash decides the same.
      await this.lifecycle.execute(tx, alert, {
        type: 'silence_lifted',
        sourceId: `silence:${silenceId}:end:${alert.fingerprint}`,
        silenceId,
        replacementId: replacement?.id ?? null,
        mapping: replacement ? null : await this.resolver.resolve(alert.labels, alert.annotations),
        escalateAfterMs: this.escalation.get(alert.severity) ?? null,
      });
    }
    return held.length;
  }
}
