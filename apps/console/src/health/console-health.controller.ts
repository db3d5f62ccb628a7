import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@firebreak/platform';
import { ConsoleHealthService, HealthReport } from './console-health.service';

@ApiTags('console')
@Controller('api/console')
export class ConsoleHealthController {
  constructor(private readonly health: ConsoleHealthService) {}

  /** Every service's readiness, JetStream consumer lag and the dead-letter stream's depth. */
  @Get('health')
  @RequireRole('viewer')
  report(): Promise<HealthReport> {
    return this.health.report();
  }
}
