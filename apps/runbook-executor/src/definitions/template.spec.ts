import { ConditionError, conditionProblems, evaluateCondition } from './conditions';
import { RefusedError } from './refusal';
import { renderPromQL, renderText, renderUrl, renderValue, templateProblems, TemplateScope } from './template';

function scope(labels: Record<string, string>, extra: Partial<TemplateScope> = {}): TemplateScope {
  return {
    alert: { name: 'ServiceDown', labels, annotations: {} },
    context: {},
    params: {},
    steps: {},
    execution: { id: 'e1', mode: 'live', runbookId: 'rb', trigger: 'alert' },
    vars: { orchestrator: 'http://orchestrator.internal:9000' },
    ...extra,
  };
}

const HOSTILE = ['$(id)', '; rm -rf /', "'; DROP TABLE x; --", '<script>alert(1)</script>', '../../admin?x=1#frag', 'a'.repeat(5000)];

describe('text templates', () => {
  it('inserts values verbatim: no HTML escaping, no evaluation', () => {
    for (const value of HOSTILE) expect(renderText('svc={{ alert.labels.service }}', scope({ service: value }))).toBe(`svc=${value}`);
  });

  it('renders objects as JSON and missing values as empty', () => {
    expect(
      renderText('{{ steps.a.outputs }}|{{ alert.labels.nope }}', scope({}, { steps: { a: { outcome: 'success', outputs: { n: 1 } } } })),
    ).toBe('{"n":1}|');
  });

  it('renders every string leaf of a JSON body and keeps other values', () => {
    expect(
      renderValue({ service: '{{ alert.labels.service }}', n: 3, list: ['{{ alert.name }}'] }, scope({ service: '; rm -rf /' })),
    ).toEqual({ service: '; rm -rf /', n: 3, list: ['ServiceDown'] });
  });

  it('does not treat a value as a template', () => {
    expect(renderText('{{ alert.labels.x }}', scope({ x: '{{ vars.orchestrator }}' }))).toBe('{{ vars.orchestrator }}');
  });
});

describe('URL templates', () => {
  it('percent-encodes every value outside the host, so it cannot add a path, query or fragment', () => {
    for (const value of HOSTILE) {
      const url = renderUrl(
        'http://api.internal/services/{{ alert.labels.service }}/restart?by={{ alert.labels.service }}',
        scope({ service: value }),
      );
      const parsed = new URL(url);
      expect(parsed.host).toBe('api.internal');
      expect(decodeURIComponent(parsed.pathname)).toBe(`/services/${value}/restart`);
      expect(parsed.searchParams.get('by')).toBe(value);
      expect(parsed.hash).toBe('');
    }
  });

  it('accepts host[:port] in the host position and refuses anything else there', () => {
    expect(renderUrl('http://{{ alert.labels.instance }}/health', scope({ instance: 'api-1.internal:8080' }))).toBe(
      'http://api-1.internal:8080/health',
    );
    for (const value of ['$(id)', '; rm -rf /', 'evil.com/x', 'user@evil.com', 'a b', '', "'; DROP TABLE x; --"]) {
      expect(() => renderUrl('http://{{ alert.labels.instance }}/health', scope({ instance: value }))).toThrow(RefusedError);
    }
  });

  it('refuses a path value of dots or nothing, which URL parsing would turn into another path', () => {
    for (const value of ['..', '.', '...', '']) {
      expect(() => renderUrl('http://api.internal/services/{{ alert.labels.job }}/restart', scope({ job: value }))).toThrow(
        /cannot stand in a URL path/,
      );
    }
    expect(new URL(renderUrl('http://api.internal/services/{{ alert.labels.job }}/restart', scope({ job: '..x' }))).pathname).toBe(
      '/services/..x/restart',
    );
    expect(renderUrl('http://api.internal/x?job={{ alert.labels.job }}', scope({ job: '' }))).toBe('http://api.internal/x?job=');
  });

  it('inserts operator vars as written', () => {
    expect(renderUrl('{{ vars.orchestrator }}/services/{{ alert.labels.s }}', scope({ s: 'a/b' }))).toBe(
      'http://orchestrator.internal:9000/services/a%2Fb',
    );
  });

  it('refuses triple mustaches and sections in URLs at load time and at render time', () => {
    expect(templateProblems('http://x/{{{ alert.labels.s }}}', 'url')).toHaveLength(1);
    expect(templateProblems('http://x/{{#alert}}y{{/alert}}', 'url')).toHaveLength(1);
    expect(templateProblems('http://x/{{ alert.labels.s }}', 'url')).toEqual([]);
    expect(() => renderUrl('http://x/{{& alert.labels.s }}', scope({ s: '../' }))).toThrow(/only \{\{ name \}\} tags/);
    expect(templateProblems('hello {{ unclosed', 'text')[0]).toMatch(/does not parse/);
  });
});

describe('PromQL templates', () => {
  it('escapes values inside quoted strings', () => {
    const query = renderPromQL('up{instance="{{ alert.labels.instance }}"} == 1', scope({ instance: 'x"} or vector(1) #\\' }));
    expect(query).toBe('up{instance="x\\"} or vector(1) #\\\\"} == 1');
    expect(renderPromQL("up{job='{{ alert.labels.job }}'}", scope({ job: "a'b" }))).toBe("up{job='a\\'b'}");
  });

  it('allows only bare names and numbers outside quotes', () => {
    expect(renderPromQL('rate(x[{{ params.window }}])', scope({}, { params: { window: '5m' } }))).toBe('rate(x[5m])');
    expect(() => renderPromQL('rate(x[{{ params.window }}])', scope({}, { params: { window: '5m]) or vector(1' } }))).toThrow(RefusedError);
  });
});

describe('conditions', () => {
  const s = scope({ severity: 'critical' }, { steps: { probe: { outcome: 'failure', outputs: { status: 503 } } } });

  it('evaluates expressions over outcomes, outputs and labels', () => {
    expect(evaluateCondition("steps.probe.outcome == 'failure'", s)).toBe(true);
    expect(evaluateCondition('steps.probe.outputs.status >= 500 && alert.labels.severity == "critical"', s)).toBe(true);
    expect(evaluateCondition('alert.labels.severity|upper == "CRITICAL"', s)).toBe(true);
    expect(evaluateCondition('steps.missing.outcome == "success"', s)).toBe(false);
  });

  it('cannot run code: no eval, no reaching constructors, syntax errors found at load', () => {
    expect(conditionProblems('alert.constructor.constructor("return process")()')).toEqual([
      'may not refer to constructor, __proto__ or prototype',
    ]);
    expect(conditionProblems('steps.probe.outcome == ')[0]).toMatch(/does not parse/);
    expect(() => evaluateCondition('process.exit(1)', s)).toThrow(ConditionError);
    expect(conditionProblems("steps.probe.outcome == 'failure'")).toEqual([]);
    expect(evaluateCondition('alert.labels.severity == "$(id)"', scope({ severity: '$(id)' }))).toBe(true);
  });
});
