import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
  applyDecorators,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error';
import { ApiPrincipal, ApiTokens, Role, roleAllows } from './api-tokens';

export const REQUIRED_ROLE = Symbol('firebreak:required-role');
export const API_TOKENS = Symbol('firebreak:api-tokens');

type AuthenticatedRequest = FastifyRequest & { principal?: ApiPrincipal };

@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(API_TOKENS) private readonly tokens: ApiTokens,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]);
    if (!required) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError('unauthorized', 'a bearer token is required (Authorization: Bearer <token>)', 401);
    const principal = this.tokens.authenticate(match[1]);
    if (!principal) throw new AppError('unauthorized', 'the bearer token is not valid', 401);
    if (!roleAllows(principal.role, required))
      throw new AppError('forbidden', `this needs the ${required} role; the token has ${principal.role}`, 403);
    request.principal = principal;
    return true;
  }
}

/** Guards a route (or controller) by the lowest role that may call it. */
export const RequireRole = (role: Role) =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLE, role),
    UseGuards(ApiTokenGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse(),
    ApiForbiddenResponse(),
  );

/**
 * Marks a route (or controller) as deliberately open to anyone: health, metrics, docs, or an endpoint
 * that checks credentials of its own (the webhook). The route-guard lint rule wants every route to
 * carry this or `RequireRole`, so a new route is never unguarded by accident.
 */
export const PUBLIC_ROUTE = Symbol('firebreak:public-route');
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The authenticated caller of a guarded route. */
export const Principal = createParamDecorator((_data: unknown, context: ExecutionContext): ApiPrincipal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new AppError('unauthorized', 'no authenticated caller', 401);
  return principal;
});
