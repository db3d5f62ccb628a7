import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole, ZodPipe } from '@firebreak/platform';
import { knowledgeMetrics } from '../core/metrics';
import { SearchQuery, searchQuerySchema } from './search.dto';
import { SearchService } from './search.service';

class CountingZodPipe extends ZodPipe<typeof searchQuerySchema> {
  override transform(value: unknown): SearchQuery {
    try {
      return super.transform(value);
    } catch (error) {
      knowledgeMetrics.searches.inc({ result: 'rejected' });
      throw error;
    }
  }
}

@ApiTags('knowledge')
@Controller('api/v1/knowledge')
export class SearchController {
  constructor(private readonly searchService: SearchService) {}

  @Get('search')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Search documents (q, type, severity, tags, limit): results with relevance_score 0–1, total, search_time' })
  search(@Query(new CountingZodPipe(searchQuerySchema)) query: SearchQuery) {
    return this.searchService.search(query);
  }
}
