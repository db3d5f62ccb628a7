import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { UuidSchema } from '../common/ids';
import { approvalView } from './approval-view';
import { DecisionBodySchema, ListApprovalsQuerySchema } from './approvals.dto';
import { ApprovalsService } from './approvals.service';

@ApiTags('approvals')
@Controller('api/v1/approvals')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Approvals, newest first; ?status=pending for those waiting.' })
  async list(@Query(new ZodPipe(ListApprovalsQuerySchema)) query: { status?: string; limit: number }) {
    return { items: (await this.approvals.list(query.status, query.limit)).map(approvalView) };
  }

  @Post(':id/approve')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Approve: the execution resumes at the step that waited.' })
  async approve(
    @Param('id', new ZodPipe(UuidSchema)) id: string,
    @Body(new ZodPipe(DecisionBodySchema)) body: { note?: string },
    @Principal() principal: ApiPrincipal,
  ) {
    return approvalView(await this.approvals.decide(id, 'approved', { name: principal.name }, body.note));
  }

  @Post(':id/reject')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Reject: the execution ends as rejected.' })
  async reject(
    @Param('id', new ZodPipe(UuidSchema)) id: string,
    @Body(new ZodPipe(DecisionBodySchema)) body: { note?: string },
    @Principal() principal: ApiPrincipal,
  ) {
    return approvalView(await this.approvals.decide(id, 'rejected', { name: principal.name }, body.note));
  }
}
