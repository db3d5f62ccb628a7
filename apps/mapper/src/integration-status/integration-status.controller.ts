import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@firebreak/platform';
import { IntegrationStatusService } from './integration-status.service';

@ApiTags('integration')
@Controller('api/v1/integration-status')
export class IntegrationStatusController {
  constructor(private readonly integration: IntegrationStatusService) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Whether automation is on, the mappings in force, and the runbooks requested with their outcomes' })
  status() {
    return this.integration.status();
  }
}
