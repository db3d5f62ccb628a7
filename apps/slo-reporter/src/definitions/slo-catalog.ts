import { AppError } from '@firebreak/platform';
import { SloDefinition } from './slo-definition';

/** The configured SLOs, in file order. */
export class SloCatalog {
  constructor(readonly all: readonly SloDefinition[]) {}

  get(id: string): SloDefinition {
    const slo = this.all.find((candidate) => candidate.id === id);
    if (!slo) throw new AppError('not_found', `no SLO named ${id}`, 404);
    return slo;
  }
}
