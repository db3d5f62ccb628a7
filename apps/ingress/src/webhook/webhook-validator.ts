import { AlertmanagerWebhook, AlertmanagerWebhookSchema, AlertReceived, describeZodError } from '@firebreak/contracts';
import { AppError } from '@firebreak/platform';

// Mirrors libs/contracts alertmanager.ts rule for rule (lengths in UTF-16 units, as zod counts);
// webhook-validator.spec.ts checks it against the zod schema on hostile bodies, so drift fails there.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const FINGERPRINT = /^[0-9a-f]{16}$/;
const STATUSES = new Set(['firing', 'resolved']);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown, max: number): value is string => typeof value === 'string' && value.length <= max;
const isTime = (value: unknown): value is string => isString(value, 64) && RFC3339.test(value) && !Number.isNaN(Date.parse(value));

/** A label set: names of 1 to 1024 characters, values strings of at most 65536; `needOne`: not empty. */
function isLabelSet(value: unknown, needOne: boolean): boolean {
  if (!isObject(value)) return false;
  const names = Object.keys(value);
  for (const name of names) {
    // zod's record drops a `__proto__` key (JSON.parse makes it an own property): left to zod, so the
    // labels (and the fingerprint computed from them) are the contract's.
    if (name.length < 1 || name.length > 1024 || name === '__proto__' || !isString(value[name], 65_536)) return false;
  }
  return !needOne || names.length > 0;
}

/** Fills in the contract's default when the field is absent; false when present and not valid. */
function defaulted(object: Json, key: string, fallback: () => unknown, valid: (value: unknown) => boolean): boolean {
  if (object[key] === undefined) {
    object[key] = fallback();
    return true;
  }
  return valid(object[key]);
}

// The defaults and checks `defaulted` takes, made once: inline arrows were new closures per alert.
const emptyObject = () => ({});
const emptyString = () => '';
const zero = () => 0;
const isOptionalLabelSet = (value: unknown) => isLabelSet(value, false);
const isUrl = (value: unknown) => isString(value, 8192);
const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;

function isAlert(alert: unknown): boolean {
  return (
    isObject(alert) &&
    STATUSES.has(alert.status as string) &&
    isLabelSet(alert.labels, true) &&
    defaulted(alert, 'annotations', emptyObject, isOptionalLabelSet) &&
    isTime(alert.startsAt) &&
    (alert.endsAt === undefined || isTime(alert.endsAt)) &&
    defaulted(alert, 'generatorURL', emptyString, isUrl) &&
    (alert.fingerprint === undefined || (typeof alert.fingerprint === 'string' && FINGERPRINT.test(alert.fingerprint)))
  );
}

/** The whole body; fills in defaults as it goes (the body is the request's own parsed copy). */
function isWebhook(body: unknown): body is AlertmanagerWebhook {
  if (!isObject(body)) return false;
  const alerts = body.alerts;
  return (
    body.version === '4' &&
    isString(body.groupKey, 8192) &&
    defaulted(body, 'truncatedAlerts', zero, isCount) &&
    STATUSES.has(body.status as string) &&
    isString(body.receiver, 1024) &&
    defaulted(body, 'groupLabels', emptyObject, isOptionalLabelSet) &&
    defaulted(body, 'commonLabels', emptyObject, isOptionalLabelSet) &&
    defaulted(body, 'commonAnnotations', emptyObject, isOptionalLabelSet) &&
    defaulted(body, 'externalURL', emptyString, isUrl) &&
    Array.isArray(alerts) &&
    alerts.length >= 1 &&
    alerts.length <= 10_000 &&
    alerts.every(isAlert)
  );
}

/**
 * Alertmanager's webhook against its contract. A hand-written check decides the bodies that pass (zod
 * cost ~14 % of the ingress's CPU); any body it doubts goes to the contract's zod schema, which alone
 * words the 400, so a refusal reads exactly as before and the contract stays the judge.
 */
export function parseWebhook(body: unknown): AlertmanagerWebhook {
  if (isWebhook(body)) return body;
  const result = AlertmanagerWebhookSchema.safeParse(body);
  if (result.success) return result.data;
  const issues = describeZodError(result.error);
  throw new AppError('validation_failed', issues.join('; '), 400, { issues });
}

// `Date#toISOString` of a four-digit year: 24 characters. Past 9999 it writes `+010000-…` (27), which
// alerts.received refuses.
const ISO_LENGTH = 24;
const fourDigitYear = (time: string | null) => time === null || time.length === ISO_LENGTH;

/**
 * Whether alerts.received data mapped from a validated webhook meets its contract without a second
 * check. The webhook contract takes any four-digit year with any offset, so `9999-12-31T23:59:59-01:00`
 * passes yet lands in year 10000 in UTC: such a request goes the validating way and is refused (400
 * `invalid_alert`), as before the trusted path. (Before the epoch the mapping writes "not set".)
 */
export function meetsAlertReceivedContract(alerts: AlertReceived[]): boolean {
  return alerts.every(({ alert }) => fourDigitYear(alert.startsAt) && fourDigitYear(alert.endsAt));
}
