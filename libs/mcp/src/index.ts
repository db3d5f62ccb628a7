export * from './firebreak-api';
export { createFirebreakMcpServer, type McpServerOptions } from './server';
export { TOOLS } from './tools';
