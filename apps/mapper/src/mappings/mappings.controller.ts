import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { alertnameParamsSchema, PutMappingBody, putMappingSchema } from './mappings.dto';
import { MappingTestBody, mappingTestSchema } from './mapping-test.dto';
import { MappingsService } from './mappings.service';

@ApiTags('mappings')
@Controller('api/v1/mappings')
export class MappingsController {
  constructor(private readonly mappings: MappingsService) {}

  // The same role as GET /api/v1/integration-status, which shows these mappings too: they hold
  // alertnames, matchers and runbook ids, no secret (mappings.yaml takes no ${ENV} references).
  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'The alert → runbook mappings in force (annotation, runtime, file table, file rules) and their precedence' })
  list() {
    return this.mappings.inForce();
  }

  // A dry question, nothing is stored or announced: a viewer may ask it (`firebreak routes test`).
  @Post('test')
  @RequireRole('viewer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Which runbook an alert with these labels and annotations would get, and why (nothing is stored)' })
  test(@Body(new ZodPipe(mappingTestSchema)) body: MappingTestBody) {
    return this.mappings.test(body.labels, body.annotations);
  }

  @Put(':alertname')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Map an alertname to a runbook at run time; overrides the file table for that alertname' })
  put(
    @Param(new ZodPipe(alertnameParamsSchema)) params: { alertname: string },
    @Body(new ZodPipe(putMappingSchema)) body: PutMappingBody,
    @Principal() principal: ApiPrincipal,
  ) {
    return this.mappings.put(params.alertname, body.runbookId, principal.name);
  }

  @Delete(':alertname')
  @RequireRole('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a runtime mapping' })
  async remove(
    @Param(new ZodPipe(alertnameParamsSchema)) params: { alertname: string },
    @Principal() principal: ApiPrincipal,
  ): Promise<void> {
    await this.mappings.delete(params.alertname, principal.name);
  }
}
