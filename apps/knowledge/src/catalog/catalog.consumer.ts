import { Injectable } from '@nestjs/common';
import { EventOf } from '@firebreak/contracts';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { CatalogService } from './catalog.service';

@Injectable()
export class CatalogConsumer {
  constructor(private readonly catalog: CatalogService) {}

  @OnEvent('runbooks.catalog.changed', { concurrency: 1 })
  async onCatalogChanged(event: EventOf<'runbooks.catalog.changed'>, ctx: HandlerContext): Promise<void> {
    await this.catalog.onCatalogChanged(event.data, { consumer: ctx.consumer, eventId: event.id });
  }
}
