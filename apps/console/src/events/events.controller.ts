import { Controller, Get, Res } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiPrincipal, Principal, RequireRole } from '@firebreak/platform';
import { EventStreamService } from './event-stream.service';

@ApiTags('console')
@Controller('api/console')
export class EventsController {
  constructor(private readonly stream: EventStreamService) {}

  /**
   * Server-Sent Events of alert, execution, approval and SLO changes. Read with fetch and the
   * Authorization header (not EventSource, which would need the token in the URL).
   */
  @Get('events')
  @RequireRole('viewer')
  @ApiProduces('text/event-stream')
  events(@Principal() principal: ApiPrincipal, @Res() reply: FastifyReply): void {
    this.stream.open(reply, principal.name);
  }
}
