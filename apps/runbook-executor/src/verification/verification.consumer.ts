import { Injectable } from '@nestjs/common';
import { CloudEvent, DataOf } from '@firebreak/contracts';
import { OnEvent } from '@firebreak/bus';
import { VerificationService } from './verification.service';

@Injectable()
export class VerificationConsumer {
  constructor(private readonly verification: VerificationService) {}

  @OnEvent('alerts.state.changed', { concurrency: 8 })
  async onAlertState(event: CloudEvent<DataOf<'alerts.state.changed'>>): Promise<void> {
    await this.verification.onAlertState(event.data, event.id);
  }
}
