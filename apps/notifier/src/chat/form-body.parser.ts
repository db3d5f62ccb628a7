import { parse } from 'node:querystring';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const FORM = 'application/x-www-form-urlencoded';
const RAW_BODY = Symbol('firebreak:raw-form-body');

/**
 * Slack signs the form body byte for byte, so the text must survive parsing: this parser keeps it on the
 * request and still hands routes the parsed fields, as Nest's own form parser does (other routes see no change).
 */
@Injectable()
export class FormBodyParser implements OnModuleInit {
  constructor(private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    if (fastify.hasContentTypeParser(FORM)) fastify.removeContentTypeParser(FORM);
    fastify.addContentTypeParser(FORM, { parseAs: 'string' }, (request, body, done) => {
      (request as unknown as Record<symbol, string>)[RAW_BODY] = body as string;
      done(null, parse(body as string));
    });
  }
}

/** The form body exactly as it arrived; undefined for any other content type. */
export function rawFormBody(request: FastifyRequest): string | undefined {
  return (request as unknown as Record<symbol, string | undefined>)[RAW_BODY];
}
