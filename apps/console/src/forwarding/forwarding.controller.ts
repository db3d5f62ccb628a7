import { All, Controller, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '@firebreak/platform';
import { ForwardingService } from './forwarding.service';

/**
 * `/api/<service>/<rest>` → `<service>/api/<rest>`. Public to the role guard on purpose: the service behind
 * checks the role and writes the audit log; the console forwards only for a token it knows (401 otherwise).
 * (The console's own endpoints, under /api/console, check the token themselves and win the route match.)
 */
@ApiExcludeController()
@Controller('api')
export class ForwardingController {
  constructor(private readonly forwarding: ForwardingService) {}

  @All([':service', ':service/*'])
  @Public()
  forward(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forwarding.forward(request, reply);
  }
}
