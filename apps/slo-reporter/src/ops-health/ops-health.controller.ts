import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CLOCK, Clock, RequireRole } from '@firebreak/platform';
import { EventCountingService } from '../events/event-counting.service';

const HOUR = 3_600_000;

@ApiTags('ops')
@Controller('api/v1/ops')
export class OpsHealthController {
  constructor(
    private readonly counting: EventCountingService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('health')
  @RequireRole('viewer')
  @ApiOperation({ summary: "Seed 004's ops health summary, counted off the bus: alerts and remediations of the last hour and day" })
  async health() {
    const now = this.clock.now();
    const [hour, day] = await Promise.all([
      this.counting.sums(['alerts.firing', 'remediations.succeeded', 'remediations.failed'], new Date(now.getTime() - HOUR), now),
      this.counting.sums(['alerts.firing.critical', 'remediations.failed'], new Date(now.getTime() - 24 * HOUR), now),
    ]);
    return {
      alerts_last_hour: hour.get('alerts.firing') ?? 0,
      critical_last_24h: day.get('alerts.firing.critical') ?? 0,
      remediations_last_hour: (hour.get('remediations.succeeded') ?? 0) + (hour.get('remediations.failed') ?? 0),
      remediation_failures_24h: day.get('remediations.failed') ?? 0,
    };
  }
}
