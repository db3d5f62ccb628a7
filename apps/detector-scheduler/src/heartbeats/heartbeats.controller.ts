import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole, ZodPipe } from '@firebreak/platform';
import { HeartbeatsService } from './heartbeats.service';

const paramsSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'must be a detector id') });

@ApiTags('detectors')
@Controller('api/v1/heartbeats')
export class HeartbeatsController {
  constructor(private readonly heartbeats: HeartbeatsService) {}

  @Post(':id')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({ summary: 'A beat for a heartbeat detector (a job that ran); 404 for an id that is not a heartbeat detector' })
  beat(@Param(new ZodPipe(paramsSchema)) params: { id: string }) {
    return this.heartbeats.beat(params.id);
  }
}
