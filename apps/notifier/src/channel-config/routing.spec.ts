import { parseMatchers } from '@firebreak/contracts';
import { resolveRoutes, Route, routingLabels } from './routing';

const route = (matchers: string[], channels: string[], extra: Partial<Route> = {}): Route => ({
  matchers: matchers.flatMap(parseMatchers),
  channels,
  continue: false,
  ...extra,
});

// The routes shipped in config/channels.yaml.
const shipped = [
  route(['severity="critical"'], ['pagerduty', 'oncall-telegram', 'team-slack']),
  route(['severity=~"warning|error"'], ['team-slack'], { minSeverity: 'warning' }),
];

describe('routing', () => {
  it('sends critical to PagerDuty, Telegram and Slack, warning and error to Slack only, info nowhere', () => {
    expect(resolveRoutes(shipped, { severity: 'critical' }, 'critical')).toEqual(['pagerduty', 'oncall-telegram', 'team-slack']);
    expect(resolveRoutes(shipped, { severity: 'warning' }, 'warning')).toEqual(['team-slack']);
    expect(resolveRoutes(shipped, { severity: 'error' }, 'error')).toEqual(['team-slack']);
    expect(resolveRoutes(shipped, { severity: 'info' }, 'info')).toEqual([]);
  });

  it('respects minSeverity even when the matchers match', () => {
    const routes = [route(['team="db"'], ['db-slack'], { minSeverity: 'error' })];
    expect(resolveRoutes(routes, { team: 'db' }, 'warning')).toEqual([]);
    expect(resolveRoutes(routes, { team: 'db' }, 'error')).toEqual(['db-slack']);
    expect(resolveRoutes(routes, { team: 'db' }, 'critical')).toEqual(['db-slack']);
  });

  it('stops at the first match unless the route continues, and deduplicates channels', () => {
    const routes = [
      route(['team="db"'], ['db-slack', 'team-slack'], { continue: true }),
      route([], ['team-slack', 'webhook']),
      route([], ['never']),
    ];
    expect(resolveRoutes(routes, { team: 'db' }, 'info')).toEqual(['db-slack', 'team-slack', 'webhook']);
    expect(resolveRoutes(routes, { team: 'web' }, 'info')).toEqual(['team-slack', 'webhook']);
  });

  it('routes on the normalised severity, so severity=page reaches the critical route', () => {
    expect(routingLabels({ severity: 'page', alertname: 'X' }, 'critical')).toEqual({ severity: 'critical', alertname: 'X' });
    expect(resolveRoutes(shipped, routingLabels({ severity: 'page' }, 'critical'), 'critical')).toContain('pagerduty');
  });
});
