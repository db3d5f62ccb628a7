import { parseMatchers } from '@firebreak/contracts';
import { Route } from '../channel-config/routing';
import { traceRoutes } from './route-trace';

const route = (matchers: string[], channels: string[], extra: Partial<Route> = {}): Route => ({
  matchers: matchers.flatMap(parseMatchers),
  channels,
  continue: false,
  ...extra,
});

describe('route trace: which routes an alert takes, and why not the others', () => {
  const routes = [
    route(['team="db"'], ['db-slack'], { continue: true }),
    route(['severity="critical"'], ['pagerduty'], { minSeverity: 'critical' }),
    route([], ['team-slack']),
    route([], ['never']),
  ];

  it('walks like the notifier: a continuing route goes on, the first other match stops it', () => {
    const trace = traceRoutes(routes, { team: 'db', severity: 'page' }, 'critical');
    expect(trace.labels).toEqual({ team: 'db', severity: 'critical' });
    expect(trace.channels).toEqual(['db-slack', 'pagerduty']);
    expect(trace.routes.map((step) => [step.matched, step.why])).toEqual([
      [true, 'matched; continues'],
      [true, 'matched; stops here'],
      [false, 'not reached: routes[1] matched and does not continue'],
      [false, 'not reached: routes[1] matched and does not continue'],
    ]);
  });

  it('names the failing matcher with the value the routes saw, and a severity under the minimum', () => {
    const trace = traceRoutes(routes, { team: 'web' }, 'warning');
    expect(trace.channels).toEqual(['team-slack']);
    expect(trace.routes.map((step) => step.why)).toEqual([
      'team="db" does not match (team is "web")',
      'severity warning is below minSeverity critical',
      'matched; stops here',
      'not reached: routes[2] matched and does not continue',
    ]);
    expect(traceRoutes([route(['service="api"'], ['x'])], {}, 'info').routes[0].why).toBe(
      'service="api" does not match (service is absent)',
    );
  });

  it('has no route and no channel for an empty route list', () => {
    expect(traceRoutes([], { a: 'b' }, 'info')).toEqual({ labels: { a: 'b', severity: 'info' }, routes: [], channels: [] });
  });
});
