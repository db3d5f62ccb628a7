import { notFound } from '@firebreak/platform';
import { formatDuration } from '../common/duration';
import { RunbookCatalogService } from './runbook-catalog.service';
import { isMutating } from '../definitions/runbook.schema';

const duration = (value: number | undefined) => (value === undefined ? null : formatDuration(value));

export const RunbookViews = {
  list(catalog: RunbookCatalogService) {
    return {
      runbooks: catalog.list().map(({ runbook, prose, source, version }) => ({
        id: runbook.id,
        source,
        version,
        title: runbook.title,
        description: runbook.description,
        severity: runbook.severity,
        tags: runbook.tags,
        mode: runbook.mode,
        steps: runbook.steps.length,
        stepTypes: [...new Set(runbook.steps.map((step) => step.uses))],
        mutating: runbook.steps.some(isMutating),
        verify: runbook.verify ? { resolvedWithin: duration(runbook.verify.resolvedWithin) } : null,
        hasProse: prose !== null,
      })),
      loadErrors: catalog.errors(),
    };
  },

  get(catalog: RunbookCatalogService, id: string) {
    const loaded = catalog.get(id);
    const loadErrors = catalog.errors(id);
    if (!loaded && loadErrors.length === 0) throw notFound('runbook', id);
    if (!loaded) return { id, loaded: false, definition: null, prose: null, loadErrors };
    const { runbook, prose, file, source, version, stored } = loaded;
    return {
      id,
      loaded: true,
      source,
      version,
      file,
      stored: stored ? { by: stored.by, at: stored.at.toISOString() } : null,
      definition: {
        ...runbook,
        timeout: duration(runbook.timeout),
        approvalTimeout: duration(runbook.approvalTimeout),
        steps: runbook.steps.map((step) => ({ ...step, mutating: isMutating(step), timeout: duration(step.timeout) })),
      },
      prose,
      loadErrors,
    };
  },
};
