import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { DeliveryRecord } from './deliveries-query.repository';
import { DeliveryHistoryService, DeliveryPage } from './delivery-history.service';
import { DeliveryIdSchema, ListNotificationsQuery, ListNotificationsQuerySchema } from './notifications.dto';

@ApiTags('notifications')
@Controller('api/v1/notifications')
export class NotificationsController {
  constructor(private readonly history: DeliveryHistoryService) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Deliveries, newest first: filter by channel, status (pending, sent, failed, folded, skipped) and fingerprint; cursor pagination (limit 1-500, default 50)' })
  list(@Query(new ZodPipe(ListNotificationsQuerySchema)) query: ListNotificationsQuery): Promise<DeliveryPage> {
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
