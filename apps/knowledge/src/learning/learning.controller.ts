import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { LearnBody, learnSchema } from './learning.dto';
import { LearnService } from './learn.service';
import { LearningService } from './learning.service';

@ApiTags('knowledge')
@Controller('api/v1/knowledge')
export class LearningController {
  constructor(
    private readonly learner: LearnService,
    private readonly learning: LearningService,
  ) {}

  @Post('learn')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({ summary: "Record an incident's outcome reported by people or n8n (seed 001's incident_data); audited" })
  learn(@Body(new ZodPipe(learnSchema)) body: LearnBody, @Principal() principal: ApiPrincipal) {
    return this.learner.learn(body, principal);
  }

  @Get('patterns')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'What was learnt: incident_patterns per alert and resolution_effectiveness per runbook' })
  patterns() {
    return this.learning.patterns();
  }
}
