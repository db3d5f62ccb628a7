import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { AcceptedCustomAlertDto } from '../intake/intake.dto';
import { JsonBodyGuard } from '../intake/json-body.guard';
import { CustomAlert, customAlertOpenApi, CustomAlertSchema } from './custom-alert.dto';
import { CustomAlertsService } from './custom-alerts.service';

@ApiTags('alerts')
@Controller('api/v1/alerts')
export class CustomAlertsController {
  constructor(private readonly alerts: CustomAlertsService) {}

  @Post()
  @HttpCode(200)
  @RequireRole('operator')
  @UseGuards(JsonBodyGuard)
  @ApiOperation({
    summary: 'Raise (or resolve) a custom alert from a person or a tool',
    description:
      'Goes the same way as an Alertmanager alert; the fingerprint is computed from the labels with alertname = name and severity.',
  })
  @ApiBody({ schema: customAlertOpenApi })
  @ApiOkResponse({ type: AcceptedCustomAlertDto })
  raise(@Body(new ZodPipe(CustomAlertSchema)) alert: CustomAlert, @Principal() principal: ApiPrincipal): Promise<AcceptedCustomAlertDto> {
    return this.alerts.raise(alert, principal);
  }
}
