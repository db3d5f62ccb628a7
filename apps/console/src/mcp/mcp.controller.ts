import { Controller, Delete, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_SERVICES, createFirebreakMcpServer, httpFirebreakApi, type ApiService } from '@firebreak/mcp';
import { CONFIG, RequireRole } from '@firebreak/platform';
import { ConsoleConfig, upstreamUrl } from '../service';

/**
 * MCP over streamable HTTP at `/mcp`, stateless: each POST gets its own server and transport, which call the
 * services with the caller's own token (so roles and the audit log are the services' as for any client). The
 * token is checked here first (viewer); write tools only when FIREBREAK_CONSOLE_MCP_WRITE_TOOLS is on.
 */
@ApiTags('mcp')
@Controller('mcp')
export class McpController {
  private readonly urls: Record<ApiService, string>;

  constructor(@Inject(CONFIG) private readonly config: ConsoleConfig) {
    this.urls = Object.fromEntries(API_SERVICES.map((service) => [service, upstreamUrl(config, service)])) as Record<ApiService, string>;
  }

  @Post()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Model Context Protocol (streamable HTTP, stateless): Firebreak tools with the caller’s token' })
  async post(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const server = createFirebreakMcpServer({
      api: httpFirebreakApi({ urls: this.urls, token, timeoutMs: this.config.FIREBREAK_CONSOLE_UPSTREAM_TIMEOUT_MS }),
      writeTools: this.config.FIREBREAK_CONSOLE_MCP_WRITE_TOOLS,
      version: '0.1.0',
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    // The transport writes the answer itself; Fastify must not send one of its own.
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request.raw, reply.raw, request.body);
  }

  // Stateless: no server-initiated stream to resume and no session to end.
  @Get()
  @RequireRole('viewer')
  get(@Res() reply: FastifyReply): void {
    void reply
      .status(405)
      .header('allow', 'POST')
      .send({ error: { code: 'method_not_allowed', message: 'this MCP endpoint is stateless: POST only' } });
  }

  @Delete()
  @RequireRole('viewer')
  delete(@Res() reply: FastifyReply): void {
    void reply
      .status(405)
      .header('allow', 'POST')
      .send({ error: { code: 'method_not_allowed', message: 'this MCP endpoint is stateless: POST only' } });
  }
}
