import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export interface OpenApiInfo {
  /** The service's name, as in `Firebreak <name>`. */
  app: string;
  description: string;
}

/** The service's OpenAPI document, from the routes and decorators of the app's controllers. */
export function buildOpenApiDocument(app: INestApplication, info: OpenApiInfo): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(`Firebreak ${info.app}`)
    .setDescription(info.description)
    .setVersion('1')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * Serves the UI at /docs and the document at /docs-json and /docs-yaml. The document is built on the first
 * request for it, not at start: scanning every route and schema costs each service start-up time and garbage
 * that stays resident while nobody reads the docs (the routes themselves must exist before Fastify listens).
 */
export function serveOpenApiDocs(app: INestApplication, info: OpenApiInfo): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, info));
}
