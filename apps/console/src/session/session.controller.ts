import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole } from '@firebreak/platform';

@ApiTags('console')
@Controller('api/console')
export class SessionController {
  /** Who the bearer token is: the page signs in with it and hides what the role may not do. */
  @Get('session')
  @RequireRole('viewer')
  session(@Principal() principal: ApiPrincipal): ApiPrincipal {
    return { name: principal.name, role: principal.role };
  }
}
