import { Command } from 'commander';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createFirebreakMcpServer, httpFirebreakApi } from '@firebreak/mcp';
import type { CliContext } from '../context';

interface McpOptions {
  enableWriteTools?: boolean;
}

/**
 * `firebreak mcp`: Firebreak as an MCP server on stdin/stdout for an AI assistant (Claude Desktop, an IDE), over
 * the same APIs and token as every other command. Read-only unless `--enable-write-tools`; stdout carries the
 * protocol only, so warnings go to stderr.
 */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('mcp')
    .description('serve the MCP protocol on stdio (read-only tools unless --enable-write-tools)')
    .option(
      '--enable-write-tools',
      'also offer acknowledge_alert, create_silence, approve/reject_execution and live runs (needs an operator token)',
    )
    .action(async (options: McpOptions) => {
      const settings = ctx.settings();
      const server = createFirebreakMcpServer({
        api: httpFirebreakApi({ urls: settings.urls, token: settings.token }),
        writeTools: options.enableWriteTools === true,
        version: '0.1.0',
      });
      const closed = new Promise<void>((resolve) => {
        server.server.onclose = resolve;
      });
      await server.connect(new StdioServerTransport());
      // The client ends the session by closing our stdin.
      process.stdin.once('end', () => void server.close());
      await closed;
    });
}
