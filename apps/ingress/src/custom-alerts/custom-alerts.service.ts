import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ApiPrincipal, LOGGER } from '@firebreak/platform';
import { AlertIntake } from '../intake/alert-intake.service';
import { AcceptedCustomAlertDto } from '../intake/intake.dto';
import { CustomAlert } from './custom-alert.dto';
import { customAlertReceived } from './custom-alert.mapping';

@Injectable()
export class CustomAlertsService {
  constructor(
    private readonly intake: AlertIntake,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async raise(input: CustomAlert, principal: ApiPrincipal): Promise<AcceptedCustomAlertDto> {
    const now = new Date();
    const received = customAlertReceived(input, now);
    const accepted = await this.intake.accept([received], now);
    // People raise these by hand: worth a line each, with who did it (the ingress keeps no audit table).
    this.logger.info(
      {
        by: principal.name,
        fingerprint: received.alert.fingerprint,
        alertname: input.name,
        status: input.status,
        eventId: accepted.eventIds[0],
      },
      'custom alert accepted',
    );
    return { ...accepted, fingerprint: received.alert.fingerprint };
  }
}
