import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError, CONFIG } from '@firebreak/platform';
import { ConsoleConfig, webDirOf } from '../service';
import { SECURITY_HEADERS, isApiPath, isAssetPath } from './security-headers';
import { assetFor, hasIndex, NOT_BUILT_PAGE } from './spa-files';

/** Serves the built single-page app: its files as they are, any other page path as index.html. */
@Injectable()
export class SpaService implements OnModuleInit {
  private readonly webDir: string;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(CONFIG) config: ConsoleConfig,
  ) {
    this.webDir = webDirOf(config);
  }

  onModuleInit(): void {
    // Only reply.sendFile (content type, ETag, ranges, no path escapes); the routes are the controller's.
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    void fastify.register(fastifyStatic, { root: this.webDir, serve: false });
  }

  async serve(path: string, reply: FastifyReply): Promise<void> {
    if (isApiPath(path)) throw new AppError('not_found', `nothing answers GET ${path.slice(0, 200)}`, 404);
    void reply.headers(SECURITY_HEADERS);
    const asset = assetFor(this.webDir, path);
    // Vite names what it writes under assets/ by content hash: such a file never changes.
    const cacheControl = asset?.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    void reply.header('cache-control', cacheControl);
    if (asset) return reply.sendFile(asset, { cacheControl: false });
    // A missing script or style must fail as one, not load the page as JavaScript (and be cached a year).
    if (isAssetPath(path)) {
      void reply.header('cache-control', 'no-store');
      throw new AppError('not_found', `the app has no file ${path.slice(0, 200)}`, 404);
    }
    if (hasIndex(this.webDir)) return reply.sendFile('index.html', { cacheControl: false });
    await reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
  }
}
