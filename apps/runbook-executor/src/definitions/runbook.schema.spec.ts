import { describeZodError } from '@firebreak/contracts';
import { runbookProblems } from './runbook-checks';
import { isMutating, normaliseRunbook, RunbookSchema } from './runbook.schema';

const base = { id: 'rb', title: 'Runbook', severity: 'critical' };
const problemsOf = (doc: Record<string, unknown>): string[] => {
  const parsed = RunbookSchema.safeParse({ ...base, ...doc });
  return parsed.success ? runbookProblems(normaliseRunbook(parsed.data), new Set(['firebreak'])) : describeZodError(parsed.error);
};

describe('runbook validation', () => {
  it('accepts the example of the issue and applies defaults', () => {
    const parsed = RunbookSchema.parse({
      ...base,
      timeout: '10m',
      steps: [
        { id: 'probe', uses: 'http', with: { url: 'http://{{ alert.labels.instance }}/health' }, retries: { max: 2, backoff: '1s' } },
      ],
    });
    const runbook = normaliseRunbook(parsed);
    expect(runbook).toMatchObject({
      mode: 'automatic',
      timeout: 600_000,
      onCancel: 'stop',
      steps: [{ onFailure: 'abort', risk: 'low', retries: { max: 2, backoff: 1_000, factor: 2 }, with: { method: 'GET' } }],
    });
    expect(runbookProblems(runbook)).toEqual([]);
  });

  it('names the field of every schema problem', () => {
    expect(problemsOf({ steps: [{ id: 'a', uses: 'teleport', with: {} }] })).toEqual([
      expect.stringMatching(
        /^steps\.0\.uses: uses must be one of http, command, prometheus, sql, wait, approval, notify, publish, dlq, fail/,
      ),
    ]);
    expect(problemsOf({ timeout: 'soon', steps: [{ id: 'a', uses: 'wait', with: { duration: '1s' } }] })).toEqual([
      expect.stringMatching(/^timeout: "soon" is not a duration/),
    ]);
    expect(problemsOf({ steps: [{ id: 'Bad-Id', uses: 'wait', with: { duration: '1s' } }] })[0]).toMatch(/^steps\.0\.id: /);
    expect(
      problemsOf({
        steps: [
          { id: 'a', uses: 'wait', with: { duration: '1s' } },
          { id: 'a', uses: 'wait', with: { duration: '1s' } },
        ],
      }),
    ).toEqual(['steps.1.id: "a" is used by an earlier step']);
    expect(problemsOf({ steps: [{ id: 'a', uses: 'http', with: { url: 'http://x', verb: 'GET' } }] })[0]).toMatch(
      /^steps\.0\.with: Unrecognized key/,
    );
    expect(problemsOf({ steps: [] })[0]).toMatch(/^steps: /);
  });

  it('refuses what would let data become code: templated SQL and executables, relative paths, unescaped URL tags, bad conditions', () => {
    expect(
      problemsOf({
        steps: [{ id: 'a', uses: 'sql', with: { connection: 'firebreak', statement: "DELETE FROM t WHERE id = '{{ alert.labels.id }}'" } }],
      }),
    ).toEqual(['steps.0.with.statement: the SQL statement cannot be templated']);
    expect(problemsOf({ steps: [{ id: 'a', uses: 'command', with: { path: '/usr/bin/{{ params.tool }}' } }] })[0]).toMatch(
      /^steps\.0\.with\.path: the executable path cannot be templated/,
    );
    expect(problemsOf({ steps: [{ id: 'a', uses: 'command', with: { path: 'systemctl' } }] })).toEqual([
      'steps.0.with.path: must be an absolute path',
    ]);
    expect(problemsOf({ steps: [{ id: 'a', uses: 'http', with: { url: 'http://x/{{{ alert.labels.p }}}' } }] })[0]).toMatch(
      /^steps\.0\.with\.url: only \{\{ name \}\} tags/,
    );
    expect(problemsOf({ steps: [{ id: 'a', uses: 'wait', with: { duration: '1s' }, if: 'steps.a.outcome ==' }] })[0]).toMatch(
      /^steps\.0\.if: does not parse/,
    );
    expect(problemsOf({ steps: [{ id: 'a', uses: 'sql', with: { connection: 'elsewhere', statement: 'SELECT 1' } }] })).toEqual([
      'steps.0.with.connection: "elsewhere" is not defined in connections.yaml',
    ]);
  });

  it('names rollback steps after their parent and keeps ids unique across them', () => {
    const runbook = normaliseRunbook(
      RunbookSchema.parse({
        ...base,
        steps: [
          {
            id: 'a',
            uses: 'wait',
            with: { duration: '1s' },
            rollback: [
              { uses: 'notify', with: { text: 'x' } },
              { id: 'a', uses: 'notify', with: { text: 'y' } },
            ],
          },
        ],
      }),
    );
    expect(runbook.steps[0].rollback.map((r) => r.id)).toEqual(['a_rollback_1', 'a']);
    expect(runbookProblems(runbook)).toEqual(['steps.0.rollback.1.id: step id "a" is used twice (rollback steps included)']);
  });

  it('treats writes as mutating unless the runbook says otherwise', () => {
    const steps = normaliseRunbook(
      RunbookSchema.parse({
        ...base,
        steps: [
          { id: 'get', uses: 'http', with: { url: 'http://x' } },
          { id: 'post', uses: 'http', with: { method: 'POST', url: 'http://x' } },
          { id: 'cmd', uses: 'command', with: { path: '/bin/true' } },
          { id: 'read', uses: 'sql', mutating: false, with: { connection: 'firebreak', statement: 'SELECT 1' } },
          { id: 'tell', uses: 'notify', with: { text: 'x' } },
        ],
      }),
    ).steps;
    expect(steps.map((s) => [s.id, isMutating(s)])).toEqual([
      ['get', false],
      ['post', true],
      ['cmd', true],
      ['read', false],
      ['tell', false],
    ]);
  });

  it('takes the annotation opt-in as selectable: annotation, off unless written', () => {
    const steps = [{ id: 'a', uses: 'wait', with: { duration: '1s' } }];
    expect(RunbookSchema.parse({ ...base, steps }).selectable).toBeUndefined();
    expect(RunbookSchema.parse({ ...base, selectable: 'annotation', steps }).selectable).toBe('annotation');
    expect(problemsOf({ selectable: 'anyone', steps })[0]).toMatch(/^selectable: /);
    expect(problemsOf({ selectable: true, steps })[0]).toMatch(/^selectable: /);
  });

  it('reserves the id "unknown": it is the metric label of ids outside the catalogue', () => {
    expect(problemsOf({ id: 'unknown', steps: [{ id: 'a', uses: 'wait', with: { duration: '1s' } }] })).toEqual([
      'id: "unknown" is reserved',
    ]);
  });

  it('checks a fail step: a reason is required, is a text template, and the step is not mutating', () => {
    expect(problemsOf({ steps: [{ id: 'stop', uses: 'fail', with: {} }] })[0]).toMatch(/^steps\.0\.with\.reason: /);
    expect(problemsOf({ steps: [{ id: 'stop', uses: 'fail', with: { reason: '{{> partial}}' } }] })).toEqual([
      'steps.0.with.reason: partials ({{> name}}) are not supported',
    ]);
    const [step] = normaliseRunbook(
      RunbookSchema.parse({ ...base, steps: [{ id: 'stop', uses: 'fail', with: { reason: 'HTTP {{ x }}' } }] }),
    ).steps;
    expect(isMutating(step)).toBe(false);
  });
});
