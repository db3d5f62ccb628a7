export const READINESS_CHECKS = Symbol('firebreak:readiness-checks');

/** A dependency the service needs to do its work; `check` throws when it does not answer. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}
