import { STACK_SERVICES } from '@firebreak/contracts';
import { runbookVarsWithIngress, SERVICES } from './services';

describe('runbookVarsWithIngress', () => {
  it("points the demo runbook at this stack's ingress when the operator did not", () => {
    expect(runbookVarsWithIngress(undefined)).toBe('firebreak_ingress_url=http://127.0.0.1:8080');
    expect(runbookVarsWithIngress('team=sre, region=eu')).toBe('team=sre,region=eu,firebreak_ingress_url=http://127.0.0.1:8080');
  });

  it("keeps the operator's own value", () => {
    expect(runbookVarsWithIngress('firebreak_ingress_url=http://10.0.0.5:9000,team=sre')).toBe(
      'firebreak_ingress_url=http://10.0.0.5:9000,team=sre',
    );
  });
});

describe('SERVICES', () => {
  // The bench measures STACK_SERVICES as the stack's memory: a service started here and not there would go unmeasured.
  it('starts every service of STACK_SERVICES, in its order', () => {
    expect(SERVICES.map((service) => service.name)).toEqual([...STACK_SERVICES]);
  });
});
