import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { describeZodError } from '@firebreak/contracts';
import { AppError } from '../errors/app-error';

/** Validates a body or query against a zod schema; a failure is a 400 naming each field. */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown): z.infer<T> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const issues = describeZodError(result.error);
    throw new AppError('validation_failed', issues.join('; '), 400, { issues });
  }
}
