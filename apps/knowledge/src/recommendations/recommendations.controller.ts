import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole, ZodPipe } from '@firebreak/platform';
import { RecommendationsQuery, recommendationsQuerySchema } from './recommendations.dto';
import { RecommendationsService } from './recommendations.service';

@ApiTags('knowledge')
@Controller('api/v1/knowledge')
export class RecommendationsController {
  constructor(private readonly recommendations: RecommendationsService) {}

  @Get('recommendations')
  @RequireRole('viewer')
  @ApiOperation({
    summary:
      'Runbooks for an alert (fingerprint, or alertname + label=name=value), ranked by verified fixes, text and labels, with evidence',
  })
  recommend(@Query(new ZodPipe(recommendationsQuerySchema)) query: RecommendationsQuery) {
    return this.recommendations.recommend({ fingerprint: query.fingerprint, alertname: query.alertname, labels: query.label });
  }
}
