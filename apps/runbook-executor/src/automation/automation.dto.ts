import { z } from 'zod';

export const PauseBodySchema = z.strictObject({ reason: z.string().max(1_000).optional() }).prefault({});
