import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { DeliveryIdSchema, ListDeliveriesQuery, ListDeliveriesQuerySchema } from './history.dto';
import { DeliveryPage, DeliveryRecord, HistoryService } from './history.service';

@ApiTags('notifications')
@Controller('api/v1/notifications')
export class HistoryController {
  constructor(private readonly history: HistoryService) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({
    summary:
      'Deliveries, newest first: filter by channel, status (pending, sent, failed, folded, skipped) and fingerprint; cursor pagination (limit 1-500, default 50)',
  })
  list(@Query(new ZodPipe(ListDeliveriesQuerySchema)) query: ListDeliveriesQuery): Promise<DeliveryPage> {
    return this.history.list(query);
  }

  @Get(':id')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'One delivery: status, attempts, last error and the provider answer' })
  get(@Param('id', new ZodPipe(DeliveryIdSchema)) id: string): Promise<DeliveryRecord> {
    return this.history.get(id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Queue a failed delivery again for a fresh set of attempts (audited)' })
  retry(@Param('id', new ZodPipe(DeliveryIdSchema)) id: string, @Principal() principal: ApiPrincipal): Promise<DeliveryRecord> {
    return this.history.retry(id, principal);
  }
}
