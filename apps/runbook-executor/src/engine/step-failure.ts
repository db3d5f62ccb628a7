/** A step failed; `retryable` says whether another attempt can help (bad input or an unknown connection cannot). */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly outputs: Record<string, unknown> = {},
    readonly excerpt?: string,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}
