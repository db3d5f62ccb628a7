import { ApiProperty } from '@nestjs/swagger';

export class AcceptedAlertsDto {
  @ApiProperty({ enum: ['accepted'] })
  status!: 'accepted';

  @ApiProperty({ description: 'Alerts in the request, all now in JetStream (alerts.received.batch), acknowledged' })
  received!: number;

  @ApiProperty({
    type: [String],
    description: 'The event id of each alert, in request order (a repeat of a notification has the same ids)',
  })
  eventIds!: string[];
}

export class AcceptedCustomAlertDto extends AcceptedAlertsDto {
  @ApiProperty({ description: "The alert's fingerprint, computed from its labels as Alertmanager computes it" })
  fingerprint!: string;
}
