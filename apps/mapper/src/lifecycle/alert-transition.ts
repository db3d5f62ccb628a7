import { AlertLifecycle, NotifyKind } from '@firebreak/contracts';

/** What the decision needs of the stored alert. */
export interface StoredState {
  status: AlertLifecycle;
  startsAt: Date;
  eventAt: Date;
  eventReceivedAt: Date;
  lastAnnouncedAt: Date | null;
}

/** What the decision needs of an incoming alerts.received event. */
export interface IncomingState {
  status: 'firing' | 'resolved';
  startsAt: Date;
  endsAt: Date | null;
  receivedAt: Date;
}

export interface DecisionContext {
  now: Date;
  dedupWindowMs: number;
  /** An active silence matches the alert's labels. */
  silenced: boolean;
  /**
   * Alertmanager keeps an episode's startsAt. Detectors, SLO burns and tools posting custom alerts
   * say "still firing" by posting again, often with a fresh startsAt (or none, which the ingress
   * fills with now): for them a newer startsAt of an active alert is the same episode, else every
   * post would page. Their episode ends with a resolution.
   */
  episodeByStartsAt: boolean;
  /** FIREBREAK_MAX_CLOCK_SKEW: how far past its receipt an event's own time is still trusted for ordering. */
  maxClockSkewMs: number;
}

export type Transition =
  /** A new episode: the first sighting, or a firing newer than the last resolution (or than the episode held). */
  | { type: 'open'; to: 'firing' | 'silenced'; announce: 'firing' | null }
  /** The episode already held fires again; `to` differs from the stored status when a silence started or ended. */
  | { type: 'repeat'; to: AlertLifecycle; announce: NotifyKind | null; deduplicated: boolean }
  /** The held episode ends; announced only when people were told of it. */
  | { type: 'close'; announce: boolean }
  /** A resolution of an alert not active here (first sighting, or already resolved): kept, not announced. */
  | { type: 'record_resolved'; first: boolean }
  /** Older than what is held: recorded in history, changes nothing. */
  | { type: 'stale'; reason: string };

/**
 * A sender's time as the alert holds it (`eventAt`, `resolvedAt`): kept when it is no further than
 * `maxClockSkewMs` past its receipt (clocks differ a little), else the receipt itself. This is the
 * least the held event can claim: a 9999 (or a clock far ahead) held this way blocks nothing
 * received after it — an honest resolution a second later still closes the episode.
 */
export function trustedTime(at: Date, receivedAt: Date, maxClockSkewMs: number): Date {
  return at.getTime() - receivedAt.getTime() > maxClockSkewMs ? receivedAt : at;
}

/** The field an event is ordered by: when it started firing, or when it ended. */
export function orderingField(incoming: IncomingState): 'startsAt' | 'endsAt' {
  return incoming.status === 'resolved' && incoming.endsAt ? 'endsAt' : 'startsAt';
}

/** The time the sender gave for the event (a resolve without endsAt: its receipt). */
export function sentTime(incoming: IncomingState): Date {
  return incoming.status === 'resolved' ? (incoming.endsAt ?? incoming.receivedAt) : incoming.startsAt;
}

/** What the alert holds of an incoming event once it moved the alert (`eventAt`): see `trustedTime`. */
export function heldTimeOf(incoming: IncomingState, maxClockSkewMs: number): Date {
  return trustedTime(sentTime(incoming), incoming.receivedAt, maxClockSkewMs);
}

/**
 * An incoming event's time as it is compared with what is held: `min(sent, receivedAt + skew)`.
 *
 * Why this and not `trustedTime`: the clamp must not jump. With "kept up to receipt + skew, else the
 * receipt", a time 1 ms past the limit ordered 5 minutes earlier than one just inside it, so two
 * events of one sender (whose clock is a little over the skew ahead, with delivery delays that
 * differ) could swap: a firing delivered 20 s late was kept, its resolve a minute later delivered at
 * once was moved back before it and dropped as stale, and Alertmanager sends a resolve once. This
 * function is continuous and non-decreasing in the sent time; held times are `trustedTime` (never
 * more than the receipt + skew, and just the receipt when the sender was further ahead). For one
 * sender whose events are received in the order they were sent, that keeps their order in every
 * case: both kept as sent (sent times compared), the held one clamped (its receipt is before this
 * receipt, and this sent time is past it), this one clamped (receipt + skew is past the held time,
 * which was at most its own receipt + skew), both clamped (receipt order). A 9999 cannot block
 * anything: held, it counts as its receipt; incoming, as receipt + skew.
 */
export function orderingTime(incoming: IncomingState, maxClockSkewMs: number): Date {
  return new Date(Math.min(sentTime(incoming).getTime(), incoming.receivedAt.getTime() + maxClockSkewMs));
}

/** Whether the sender's time lies further past its receipt than the skew allowed (counted, and written in history). */
export function isClamped(incoming: IncomingState, maxClockSkewMs: number): boolean {
  return sentTime(incoming).getTime() - incoming.receivedAt.getTime() > maxClockSkewMs;
}

/**
 * The stored event time as it is ordered. Rows written since the clamp already hold a trusted
 * time; this also disarms a far-future time an older release stored, so no stored time can block
 * a resolution or a new episode forever.
 */
export function heldTime(stored: Pick<StoredState, 'eventAt' | 'eventReceivedAt'>, maxClockSkewMs: number): Date {
  return trustedTime(stored.eventAt, stored.eventReceivedAt, maxClockSkewMs);
}

/** Newer than the stored state by the event's own (bounded) time, then by when it was received. */
export function isNewer(incoming: IncomingState, stored: StoredState, maxClockSkewMs: number): boolean {
  const at = orderingTime(incoming, maxClockSkewMs).getTime();
  const held = heldTime(stored, maxClockSkewMs).getTime();
  return at > held || (at === held && incoming.receivedAt.getTime() > stored.eventReceivedAt.getTime());
}

/** What an alerts.received event is to the alert held: a new episode, a repeat, its end, a late resolution, or stale. */
export function transitionFor(stored: StoredState | null, incoming: IncomingState, context: DecisionContext): Transition {
  return incoming.status === 'firing' ? firingTransition(stored, incoming, context) : resolvedTransition(stored, incoming, context);
}

function open(context: DecisionContext): Transition {
  return context.silenced ? { type: 'open', to: 'silenced', announce: null } : { type: 'open', to: 'firing', announce: 'firing' };
}

/**
 * An episode is identified by the startsAt its sender gave (Alertmanager re-sends an alert with the
 * same startsAt, however far ahead its clock is): the same startsAt is the episode held. Only a
 * different startsAt is ordered, by `orderingTime`, against the held episode's.
 */
function firingTransition(stored: StoredState | null, incoming: IncomingState, context: DecisionContext): Transition {
  if (!stored) return open(context);
  const sameEpisode = incoming.startsAt.getTime() === stored.startsAt.getTime();
  if (stored.status === 'resolved') {
    if (sameEpisode) return { type: 'stale', reason: 'firing of the episode already resolved' };
    return isNewer(incoming, stored, context.maxClockSkewMs)
      ? open(context)
      : { type: 'stale', reason: 'firing that is not newer than the resolution held' };
  }
  if (sameEpisode) return repeat(stored, context);
  // While the episode is active the stored event time is its trusted start (set when it opened).
  const delta = orderingTime(incoming, context.maxClockSkewMs).getTime() - heldTime(stored, context.maxClockSkewMs).getTime();
  if (delta > 0) return context.episodeByStartsAt ? open(context) : repeat(stored, context);
  if (delta < 0) return { type: 'stale', reason: 'firing of an earlier episode' };
  return repeat(stored, context);
}

/** Whether the dedup window since the last announcement has passed. */
function windowPassed(lastAnnouncedAt: Date | null, context: Pick<DecisionContext, 'now' | 'dedupWindowMs'>): boolean {
  return lastAnnouncedAt === null || context.now.getTime() - lastAnnouncedAt.getTime() >= context.dedupWindowMs;
}

/** Firing again after a silence kept it quiet: told for the first time, reminded, or not yet. */
export function unsilencedAnnouncement(
  lastAnnouncedAt: Date | null,
  context: Pick<DecisionContext, 'now' | 'dedupWindowMs'>,
): NotifyKind | null {
  if (lastAnnouncedAt === null) return 'firing';
  return windowPassed(lastAnnouncedAt, context) ? 'repeat' : null;
}

function repeat(stored: StoredState, context: DecisionContext): Transition {
  switch (stored.status) {
    case 'acknowledged':
      // Someone is on it: counted, never re-announced (escalation was cancelled by the ack).
      return { type: 'repeat', to: 'acknowledged', announce: null, deduplicated: true };
    case 'silenced': {
      if (context.silenced) return { type: 'repeat', to: 'silenced', announce: null, deduplicated: true };
      const announce = unsilencedAnnouncement(stored.lastAnnouncedAt, context);
      return { type: 'repeat', to: 'firing', announce, deduplicated: announce === null };
    }
    case 'firing': {
      if (context.silenced) return { type: 'repeat', to: 'silenced', announce: null, deduplicated: false };
      if (!windowPassed(stored.lastAnnouncedAt, context)) return { type: 'repeat', to: 'firing', announce: null, deduplicated: true };
      return { type: 'repeat', to: 'firing', announce: stored.lastAnnouncedAt === null ? 'firing' : 'repeat', deduplicated: false };
    }
    case 'resolved':
      throw new Error('a resolved alert never repeats; firingTransition handles it');
  }
}

function resolvedTransition(stored: StoredState | null, incoming: IncomingState, context: DecisionContext): Transition {
  if (!stored) return { type: 'record_resolved', first: true };
  if (!isNewer(incoming, stored, context.maxClockSkewMs)) return { type: 'stale', reason: 'resolution older than the state held' };
  if (stored.status === 'resolved') return { type: 'record_resolved', first: false };
  return { type: 'close', announce: stored.lastAnnouncedAt !== null };
}
