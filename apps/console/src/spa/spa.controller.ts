import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '@firebreak/platform';
import { SpaService } from './spa.service';

/** The page and its files: public, like any web page; every API call it makes carries the token. */
@ApiExcludeController()
@Controller()
export class SpaController {
  constructor(private readonly spa: SpaService) {}

  @Get('*')
  @Public()
  page(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const queryAt = request.url.indexOf('?');
    return this.spa.serve(queryAt === -1 ? request.url : request.url.slice(0, queryAt), reply);
  }
}
