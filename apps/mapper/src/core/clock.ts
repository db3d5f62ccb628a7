import { Injectable } from '@nestjs/common';

/**
 * The one source of "now" for alert logic (dedup window, escalation due times, silence
 * windows). Tests replace `now` to move time without waiting for it.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
