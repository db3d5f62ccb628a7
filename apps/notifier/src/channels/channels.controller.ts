import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { ChannelNameSchema, TestMessage, TestMessageSchema } from './channels.dto';
import { ChannelsService, TestResult } from './channels.service';

@ApiTags('channels')
@Controller('api/v1/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Channels (type, enabled or why not, targets, rate limit, queue length; never secrets) and the routes' })
  list() {
    return this.channels.list();
  }

  @Post(':name/test')
  @RequireRole('operator')
  @ApiOperation({
    summary: 'Send a test message to every target of a channel (audited); 200 with the answers, 202 while one is still queued',
  })
  async test(
    @Param('name', new ZodPipe(ChannelNameSchema)) name: string,
    @Body(new ZodPipe(TestMessageSchema)) body: TestMessage,
    @Principal() principal: ApiPrincipal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TestResult> {
    const result = await this.channels.sendTest(name, principal, body.text);
    void reply.status(result.settled ? 200 : 202);
    return result;
  }
}
