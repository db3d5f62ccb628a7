import { CliError } from '../errors';
import { channelRows, parseLabelArgs, RoutesTestAnswer, summaryLines } from './routes-test';

const answer: RoutesTestAnswer = {
  mapping: { runbook: 'high_error_rate', source: 'file_alertname', why: 'mappings.yaml alertnames.HighErrorRate', notes: [] },
  routing: {
    severity: 'critical',
    labels: { alertname: 'HighErrorRate', severity: 'critical' },
    routes: [
      {
        index: 0,
        matchers: ['severity="critical"'],
        channels: ['pagerduty', 'team-slack'],
        continue: false,
        matched: true,
        why: 'matched; stops here',
      },
      {
        index: 1,
        matchers: [],
        channels: ['n8n'],
        continue: false,
        matched: false,
        why: 'not reached: routes[0] matched and does not continue',
      },
    ],
    channels: ['pagerduty', 'team-slack'],
    channelStates: [
      { name: 'pagerduty', type: 'pagerduty', enabled: false, disabledReason: 'PAGERDUTY_ROUTING_KEY is not set' },
      { name: 'team-slack', type: 'slack', enabled: true },
    ],
  },
};

describe('routes test: arguments and what is printed', () => {
  it('takes name=value labels, splitting at the first = and dropping one pair of quotes', () => {
    expect(parseLabelArgs(['alertname=HighErrorRate', 'query=a=b', 'summary="two words"', 'empty='])).toEqual({
      alertname: 'HighErrorRate',
      query: 'a=b',
      summary: 'two words',
      empty: '',
    });
  });

  it('refuses a label that is not name=value or whose name Prometheus would not take', () => {
    for (const bad of ['novalue', '=x', 'bad-name=x', '0abc=x']) expect(() => parseLabelArgs([bad])).toThrow(CliError);
    expect(() => parseLabelArgs(['x'], 'annotation')).toThrow(/^annotation "x" must be name=value/);
  });

  it('prints the runbook and why, then one row per channel with its state and the route that picked it', () => {
    expect(summaryLines(answer)).toEqual([
      'runbook: high_error_rate (from mappings.yaml alertnames.HighErrorRate)',
      'severity: critical',
      'route 0 [severity="critical"]: matched; stops here',
      'route 1 [any]: not reached: routes[0] matched and does not continue',
    ]);
    expect(channelRows(answer.routing)).toEqual([
      {
        channel: 'pagerduty',
        type: 'pagerduty',
        state: 'disabled: PAGERDUTY_ROUTING_KEY is not set',
        route: 'routes[0] severity="critical"',
      },
      { channel: 'team-slack', type: 'slack', state: 'enabled', route: 'routes[0] severity="critical"' },
    ]);
  });

  it('says so when no runbook and no channel would be used', () => {
    const none: RoutesTestAnswer = {
      mapping: {
        runbook: null,
        source: null,
        why: 'no mapping',
        notes: ['the automation_runbook annotation is not a runbook id, so it was ignored'],
      },
      routing: { ...answer.routing, routes: [], channels: [], channelStates: [] },
    };
    expect(summaryLines(none)).toEqual([
      'runbook: none (no mapping)',
      'note: the automation_runbook annotation is not a runbook id, so it was ignored',
      'severity: critical',
      'channels: none (no route matched)',
    ]);
  });
});
