import { All, Controller, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '@firebreak/platform';
import { ForwardingService } from './forwarding.service';

/**
 * `/api/<service>/<rest>` → `<service>/api/<rest>`. Public here on purpose: the console holds no power of
 * its own, the service behind checks the caller's token and writes the audit log. (The console's own
 * endpoints, under /api/console, check the token themselves and win the route match.)
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
