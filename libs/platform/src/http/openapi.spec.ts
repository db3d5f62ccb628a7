import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiOperation, ApiTags, SwaggerModule } from '@nestjs/swagger';
import { buildOpenApiDocument, serveOpenApiDocs } from './openapi';

@ApiTags('things')
@Controller('api/v1/things')
class ThingsController {
  @Get()
  @ApiOperation({ summary: 'All things' })
  list() {
    return [];
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

const INFO = { app: 'mapper', description: 'Things, for the test.' };

describe('the OpenAPI docs of a service', () => {
  let app: NestFastifyApplication;

  beforeEach(async () => {
    app = await NestFactory.create<NestFastifyApplication>(ThingsModule, new FastifyAdapter(), { logger: false });
  });

  const get = (url: string) => app.getHttpAdapter().getInstance().inject({ method: 'GET', url });

  afterEach(async () => {
    jest.restoreAllMocks();
    await app.close();
  });

  it('builds the document on the first request for it, not at start, and once', async () => {
    const build = jest.spyOn(SwaggerModule, 'createDocument');
    serveOpenApiDocs(app, INFO);
    await app.init();
    expect(build).not.toHaveBeenCalled();
    for (const url of ['/docs-json', '/docs-yaml', '/docs']) expect((await get(url)).statusCode).toBe(200);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('serves the document a build at start gave: title, description, bearer auth and every route', async () => {
    const atStart = buildOpenApiDocument(app, INFO);
    serveOpenApiDocs(app, INFO);
    await app.init();
    const served = (await get('/docs-json')).json();
    expect(served).toEqual(JSON.parse(JSON.stringify(atStart)));
    expect(served.info).toEqual({ title: 'Firebreak mapper', description: 'Things, for the test.', version: '1', contact: {} });
    expect(served.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } });
    expect(served.paths['/api/v1/things'].get).toMatchObject({ summary: 'All things', tags: ['things'] });
  });
});
