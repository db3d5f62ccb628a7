import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { TransactionalMessaging } from '@firebreak/bus';
import { DocumentsService } from './documents.service';
import { DocumentDraft } from './documents.types';

/** The shipped templates (seed 001: incident response, remediation, postmortem), as `template` documents. */
export const TEMPLATES: readonly DocumentDraft[] = [
  {
    id: 'template-incident',
    title: 'Incident response template',
    type: 'template',
    severity: null,
    tags: ['template', 'incident'],
    metadata: { template: 'incident' },
    source: 'template',
    body: `# Incident: [Incident ID] - [Brief description]

Standard incident response flow: declare, stabilise, communicate, resolve, learn.

**Date**: [Timestamp]
**Severity**: [critical/error/warning/info]
**Incident commander**: [Name]

## Incident details
- **Trigger**: [The alert or report that started it]
- **Symptoms**: [Observable symptoms]
- **Impact**: [Users and services affected]

## Timeline
- [HH:MM] [Event]

## Diagnosis
1. [Step]

## Resolution
1. [Step]

## Communication
- [Channel, audience, cadence]
`,
  },
  {
    id: 'template-remediation',
    title: 'Remediation template',
    type: 'template',
    severity: null,
    tags: ['template', 'remediation'],
    metadata: { template: 'remediation' },
    source: 'template',
    body: `# Remediation: [Problem]

Common remediation procedure: confirm the problem, act with the smallest safe change, verify, roll back if it did not help.

## Preconditions
- [What must be true before acting]

## Confirm
1. [Query or check that shows the problem]

## Act
1. [Smallest safe change]

## Verify
- [What shows it worked, and how long to wait]

## Roll back
1. [How to undo the change]
`,
  },
  {
    id: 'template-postmortem',
    title: 'Postmortem template',
    type: 'template',
    severity: null,
    tags: ['template', 'postmortem'],
    metadata: { template: 'postmortem' },
    source: 'template',
    body: `# Postmortem: [Incident title]

Blameless post-incident analysis: what happened, why, and what changes so it does not happen again.

## Summary
[Two sentences]

## Impact
- Duration: [start – end]
- Affected: [users, services, SLOs and error budget spent]

## Root cause
[Why it happened]

## What went well / what went badly
- [Item]

## Action items
| action | owner | due |
| ------ | ----- | --- |
| [Item] | [Who] | [When] |
`,
  },
];

/** Writes the shipped templates at start; unchanged ones are left as they are (no new version). */
@Injectable()
export class TemplatesLoader implements OnApplicationBootstrap {
  constructor(
    private readonly documents: DocumentsService,
    private readonly messaging: TransactionalMessaging,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.messaging.run(async (tx) => {
      for (const template of TEMPLATES) await this.documents.save(tx.manager, template, 'system:templates');
    });
  }
}
