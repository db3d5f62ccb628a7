import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

/**
 * Lets `PUT /api/v1/runbooks/:id` take the runbook as YAML, as it is written in files: the body arrives as text
 * (within Fastify's body limit) and is parsed by the service, so a YAML error is a 400 naming the line like any other.
 */
@Injectable()
export class YamlBodyParser implements OnModuleInit {
  constructor(private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    for (const type of YAML_TYPES)
      if (!fastify.hasContentTypeParser(type))
        fastify.addContentTypeParser(type, { parseAs: 'string' }, (_request, body, done) => done(null, body));
  }
}
