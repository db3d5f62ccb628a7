import { Injectable } from '@nestjs/common';
import { EventOf } from '@firebreak/contracts';
import { OnEvent } from '@firebreak/bus';
import { VerificationService } from './verification.service';

@Injectable()
export class VerificationConsumer {
  constructor(private readonly verification: VerificationService) {}

  // Many in flight so that a storm's changes share statements (VerificationService batches them).
  @OnEvent('alerts.state.changed', { concurrency: 256 })
  async onAlertState(event: EventOf<'alerts.state.changed'>): Promise<void> {
    await this.verification.onAlertState(event);
  }
}
