import { Module } from '@nestjs/common';
import { PlatformModule } from '@firebreak/platform';
import { AnalysisModule } from './analysis/analysis.module';
import { CatalogModule } from './catalog/catalog.module';
import { DocumentsModule } from './documents/documents.module';
import { LearningModule } from './learning/learning.module';
import { RecommendationsModule } from './recommendations/recommendations.module';
import { SearchModule } from './search/search.module';
import { SERVICE } from './service';

@Module({
  imports: [
    PlatformModule.forService(SERVICE),
    DocumentsModule,
    CatalogModule,
    SearchModule,
    LearningModule,
    RecommendationsModule,
    AnalysisModule,
  ],
})
export class AppModule {}
