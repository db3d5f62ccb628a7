import { DLQ, prefixedSubject, Subject } from '@firebreak/contracts';

/** Maps between contract subjects and wire subjects under the installation prefix. */
export class SubjectNames {
  constructor(readonly prefix: string | undefined) {}

  wire(subject: string): string {
    return prefixedSubject(subject, this.prefix);
  }

  /** The contract subject of a wire subject (prefix removed). */
  logical(wireSubject: string): string {
    return this.prefix && wireSubject.startsWith(`${this.prefix}.`) ? wireSubject.slice(this.prefix.length + 1) : wireSubject;
  }

  deadLetter(subject: Subject | string): string {
    return this.wire(`${DLQ.subjectPrefix}.${subject}`);
  }
}
