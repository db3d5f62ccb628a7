import { Inject, Injectable } from '@nestjs/common';
import { matchesAll } from '@firebreak/contracts';
import { ESCALATION_POLICY, EscalationPolicy } from '../escalation/escalation-config';
import { AlertLifecycle } from '../lifecycle/alert-lifecycle.service';
import { AlertStateRepository } from '../lifecycle/alert-state.repository';
import { AlertTransaction } from '../lifecycle/alert-transaction';
import { MappingResolver } from '../mappings/mapping-resolver.service';
import { ActiveSilence, equalityLabels, findSilence } from './silence';
import { SilenceReader } from './silence-reader';
import { SilencesRepository } from './silences.repository';

/** What a silence starting or ending does to the alerts it covers, one lifecycle command per alert. */
@Injectable()
export class SilencedAlerts {
  constructor(
    private readonly lifecycle: AlertLifecycle,
    private readonly alerts: AlertStateRepository,
    private readonly silences: SilencesRepository,
    private readonly reader: SilenceReader,
    private readonly resolver: MappingResolver,
    @Inject(ESCALATION_POLICY) private readonly escalation: EscalationPolicy,
  ) {}

  /** The firing alerts it matches turn silenced; returns how many. */
  async silence(tx: AlertTransaction, silence: ActiveSilence): Promise<number> {
    const candidates = await this.alerts.lockByStatus(tx.manager, ['firing'], equalityLabels(silence.matchers));
    const hits = candidates.filter((alert) => matchesAll(silence.matchers, alert.labels));
    for (const alert of hits) {
      await this.lifecycle.execute(tx, alert, {
        type: 'silence_applied',
        silenceId: silence.id,
        sourceId: `silence:${silence.id}:start:${alert.fingerprint}`,
      });
    }
    return hits.length;
  }

  /** The alerts it held fire again, unless another silence takes them; returns how many it held. */
  async release(tx: AlertTransaction, silenceId: string): Promise<number> {
    const held = await this.alerts.lockSilencedBy(tx.manager, silenceId);
    if (held.length === 0) return 0;
    const others = this.reader.usable((await this.silences.unexpired(tx.now, tx.manager)).filter((silence) => silence.id !== silenceId));
    for (const alert of held) {
      const replacement = findSilence(others, alert.labels, tx.now);
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
