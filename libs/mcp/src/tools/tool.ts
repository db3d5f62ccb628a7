import type { z } from 'zod';
import type { FirebreakApi } from '../firebreak-api';

export interface ToolContext {
  api: FirebreakApi;
  /** `--enable-write-tools`: without it, write tools are not offered and runbooks only run as dry runs. */
  writeTools: boolean;
}

/** One MCP tool: a thin mapping of arguments onto one or two public API calls. */
export interface FirebreakTool<S extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: S;
  /** Changes something (acknowledges, silences, approves…): offered only with write tools on. */
  write: boolean;
  /** Cannot be undone by calling it again (MCP's destructiveHint), e.g. a rejection. */
  destructive?: boolean;
  run(args: z.infer<S>, context: ToolContext): Promise<unknown>;
}

export const defineTool = <S extends z.ZodObject>(tool: FirebreakTool<S>): FirebreakTool<S> => tool;
