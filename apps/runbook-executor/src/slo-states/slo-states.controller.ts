import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@firebreak/platform';
import { SloStatesService } from './slo-states.service';

@ApiTags('slo-states')
@Controller('api/v1/slo-states')
export class SloStatesController {
  constructor(private readonly sloStates: SloStatesService) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({
    summary: 'SLO states as runbook conditions see them (`slo.<id>`), kept from slo.budget.changed. An id not listed reads as unknown.',
  })
  async list() {
    return { states: await this.sloStates.list() };
  }
}
