import { z } from 'zod';

export const detectorParamsSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'must be a detector id') });

export interface RunsCursor {
  startedAt: string;
  runId: string;
}

export function encodeCursor(cursor: RunsCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedAt, cursor.runId])).toString('base64url');
}

const cursorSchema = z.string().transform((text, ctx): RunsCursor => {
  try {
    const [startedAt, runId] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof startedAt === 'string' &&
      z.iso.datetime({ offset: true }).safeParse(startedAt).success &&
      typeof runId === 'string' &&
      /^[0-9a-f-]{36}$/.test(runId)
    )
      return { startedAt, runId };
  } catch {
    // Not base64 JSON: reported below like any other bad cursor.
  }
  ctx.addIssue({ code: 'custom', message: 'is not a cursor this API gave out (use nextCursor from the previous page)' });
  return z.NEVER;
});

/** Strict: an unknown parameter is a 400, not silently ignored. */
export const listRunsSchema = z.strictObject({
  limit: z.coerce.number().int().min(1, 'must be 1 to 200').max(200, 'must be 1 to 200').default(50),
  cursor: cursorSchema.optional(),
});
export type ListRunsQuery = z.infer<typeof listRunsSchema>;
