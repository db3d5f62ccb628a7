import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole, ZodPipe } from '@firebreak/platform';
import { ChannelsService, RoutesTestResult } from './channels.service';
import { RoutesTest, RoutesTestSchema } from './routes-test.dto';

@ApiTags('channels')
@Controller('api/v1/routes')
export class RoutesController {
  constructor(private readonly channels: ChannelsService) {}

  // Nothing is sent or stored, and GET /api/v1/channels already shows the routes: a viewer may ask.
  @Post('test')
  @RequireRole('viewer')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Which routes an alert with these labels takes and which channels it reaches (enabled or why not); nothing is sent',
  })
  test(@Body(new ZodPipe(RoutesTestSchema)) body: RoutesTest): RoutesTestResult {
    return this.channels.testRoutes(body.labels, body.severity);
  }
}
