/**
 * A safety rule stopped a step before it could act: a host outside the allow-list, an executable
 * not allow-listed, a value that would change the meaning of a URL, a query or an argv. Refusals
 * are never retried and are recorded on the attempt.
 */
export class RefusedError extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(`refused (${rule}): ${message}`);
    this.name = 'RefusedError';
  }
}

export function excerptOf(value: string, max = 80): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is being removed
  const clean = value.replace(/[\u0000-\u001f]/g, ' ');
  return JSON.stringify(clean.length > max ? `${clean.slice(0, max)}…` : clean);
}
