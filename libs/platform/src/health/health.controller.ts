import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Logger } from 'pino';
import { Public } from '../auth/api-token.guard';
import { LOGGER } from '../platform.tokens';
import { READINESS_CHECKS, ReadinessCheck } from './readiness';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up (no dependency is checked)' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Every dependency answers (NATS, and Postgres where the service keeps state); 503 otherwise' })
  ready() {
    return this.health.check(
      this.checks.map((dependency) => async () => {
        const indicator = this.indicators.check(dependency.name);
        try {
          await dependency.check();
          return indicator.up();
        } catch (error) {
          // Anyone may ask: say what is down, keep the raw error (hosts, users, paths) for the log.
          this.logger.warn({ err: error, dependency: dependency.name }, 'readiness check failed');
          return indicator.down({ message: `${dependency.name} is not answering` });
        }
      }),
    );
  }
}
