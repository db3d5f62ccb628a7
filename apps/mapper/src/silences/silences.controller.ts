import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { CreateSilenceBody, createSilenceSchema, listSilencesSchema, silenceParamsSchema } from './silences.dto';
import { SilencesService } from './silences.service';

@ApiTags('silences')
@Controller('api/v1/silences')
export class SilencesController {
  constructor(private readonly silences: SilencesService) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Silences, newest first (filter by state: pending, active, expired)' })
  async list(@Query(new ZodPipe(listSilencesSchema)) query: { state?: 'pending' | 'active' | 'expired' }) {
    return { items: await this.silences.list(query.state) };
  }

  @Post()
  @RequireRole('operator')
  @ApiOperation({ summary: 'Create a silence: Alertmanager matchers, startsAt (default now), endsAt, comment' })
  create(@Body(new ZodPipe(createSilenceSchema)) body: CreateSilenceBody, @Principal() principal: ApiPrincipal) {
    return this.silences.create(body, principal.name);
  }

  @Delete(':id')
  @RequireRole('operator')
  @ApiOperation({ summary: 'Expire a silence now; the alerts it held fire again' })
  expire(@Param(new ZodPipe(silenceParamsSchema)) params: { id: string }, @Principal() principal: ApiPrincipal) {
    return this.silences.expire(params.id, principal.name);
  }
}
