import { Inject, Injectable } from '@nestjs/common';
import { matchesAll } from '@firebreak/contracts';
import { CONFIG } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { unsilencedAnnouncement } from '../alerts/alert-transition';
import { AlertEffects } from '../lifecycle/alert-effects';
import { AlertPatch, AlertRecord } from '../lifecycle/alert-record';
import { AlertsRepository } from '../lifecycle/alerts.repository';
import { MappingResolver } from '../mappings/mapping-resolver.service';
import { ActiveSilence, equalityLabels, findSilence, toActive } from './silence';
import { SilencesRepository } from './silences.repository';

/** What a silence starting or ending does to the alerts it covers. */
@Injectable()
export class SilenceEffects {
  private readonly dedupWindowMs: number;

  constructor(
    private readonly alerts: AlertsRepository,
    private readonly silences: SilencesRepository,
    private readonly resolver: MappingResolver,
    @Inject(CONFIG) config: MapperConfig,
  ) {
    this.dedupWindowMs = config.FIREBREAK_DEDUP_WINDOW_SEC * 1000;
  }

  /** Firing alerts it matches turn silenced; their escalation is cancelled. */
  async apply(fx: AlertEffects, silence: ActiveSilence): Promise<number> {
    const candidates = await this.alerts.lockByStatus(fx.tx.manager, ['firing'], equalityLabels(silence.matchers));
    const hits = candidates.filter((alert) => matchesAll(silence.matchers, alert.labels));
    for (const alert of hits) {
      const sourceId = `silence:${silence.id}:start:${alert.fingerprint}`;
      await this.alerts.update(fx.writes, alert.fingerprint, { status: 'silenced', silenceId: silence.id });
      fx.moved(alert, 'firing', 'silenced', sourceId);
      fx.history({ fingerprint: alert.fingerprint, sourceId, action: 'silenced', from: 'firing', to: 'silenced', details: { silenceId: silence.id } });
    }
    await fx.cancelEscalation(...hits.map((alert) => alert.fingerprint));
    return hits.length;
  }

  /** Alerts it held fire again (announced as if the silence had never been), unless another silence takes them. */
  async lift(fx: AlertEffects, silenceId: string): Promise<number> {
    const held = await this.alerts.lockSilencedBy(fx.tx.manager, silenceId);
    if (held.length === 0) return 0;
    const others = (await this.silences.unexpired(fx.now, fx.tx.manager)).filter((silence) => silence.id !== silenceId).map(toActive);
    for (const alert of held) {
      const sourceId = `silence:${silenceId}:end:${alert.fingerprint}`;
      const other = findSilence(others, alert.labels, fx.now);
      if (other) {
        await this.alerts.update(fx.writes, alert.fingerprint, { silenceId: other.id });
        fx.history({ fingerprint: alert.fingerprint, sourceId, action: 'silence_changed', from: 'silenced', to: 'silenced', details: { from: silenceId, to: other.id } });
        continue;
      }
      await this.unsilence(fx, alert, sourceId, { silenceId });
    }
    return held.length;
  }

  private async unsilence(fx: AlertEffects, alert: AlertRecord, sourceId: string, details: Record<string, unknown>): Promise<void> {
    let patch: AlertPatch = { status: 'firing', silenceId: null };
    const next = { ...alert, ...patch };
    const kind = unsilencedAnnouncement(alert.lastAnnouncedAt, { now: fx.now, dedupWindowMs: this.dedupWindowMs });
    if (kind === 'firing' || kind === 'repeat') {
      const mapping = kind === 'firing' ? await this.resolver.resolve(alert.labels, alert.annotations) : null;
      patch = { ...patch, ...(await fx.announceActive(kind, next, mapping, sourceId, fx.now)) };
    }
    await this.alerts.update(fx.writes, alert.fingerprint, patch);
    fx.moved(alert, 'silenced', 'firing', sourceId);
    fx.history({ fingerprint: alert.fingerprint, sourceId, action: 'unsilenced', from: 'silenced', to: 'firing', details: { ...details, announced: kind } });
  }
}
