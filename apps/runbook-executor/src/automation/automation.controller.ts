import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { PauseBodySchema } from './automation.dto';
import { AutomationService } from './automation.service';

@ApiTags('automation')
@Controller('api/v1/automation')
export class AutomationController {
  constructor(private readonly automation: AutomationService) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Whether automatic runs are allowed: the start-up flag, the pause switch, circuit breakers.' })
  status() {
    return this.automation.status();
  }

  @Post('pause')
  @HttpCode(200)
  @RequireRole('admin')
  @ApiOperation({ summary: 'Global kill switch: every replica skips (and escalates) automatic runs until resumed. Audited.' })
  pause(@Body(new ZodPipe(PauseBodySchema)) body: { reason?: string }, @Principal() principal: ApiPrincipal) {
    return this.automation.setPaused(true, principal.name, body.reason);
  }

  @Post('resume')
  @HttpCode(200)
  @RequireRole('admin')
  @ApiOperation({ summary: 'Lift the pause. Audited.' })
  resume(@Body(new ZodPipe(PauseBodySchema)) body: { reason?: string }, @Principal() principal: ApiPrincipal) {
    return this.automation.setPaused(false, principal.name, body.reason);
  }
}
