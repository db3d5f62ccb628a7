import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@firebreak/platform';
import { AlertIntake } from '../intake/alert-intake.service';
import { AcceptedCustomAlertDto } from '../intake/intake.dto';
import { N8nIncident } from './n8n-incident.dto';
import { n8nIncidentReceived } from './n8n-incident.mapping';

@Injectable()
export class N8nService {
  constructor(
    private readonly intake: AlertIntake,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async receive(incident: N8nIncident): Promise<AcceptedCustomAlertDto> {
    const now = new Date();
    const received = n8nIncidentReceived(incident, now);
    const accepted = await this.intake.accept([received], now);
    this.logger.info(
      {
        fingerprint: received.alert.fingerprint,
        alertname: incident.alert.type,
        incidentId: incident.alert.id,
        status: received.alert.status,
        eventId: accepted.eventIds[0],
      },
      'n8n incident accepted',
    );
    return { ...accepted, fingerprint: received.alert.fingerprint };
  }
}
