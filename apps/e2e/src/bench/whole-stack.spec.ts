import { STACK_SERVICES } from '@firebreak/contracts';
import { APPS, OPTIONAL_APPS } from '../stack';
import { WHOLE_STACK } from './whole-stack';

describe('the whole stack the bench measures', () => {
  // The RSS goal is for everything `npm start` runs (tools/launcher checks its list against STACK_SERVICES too).
  it('is every service `npm start` runs, each one the e2e stack can start, the console last', () => {
    expect(WHOLE_STACK).toEqual(STACK_SERVICES);
    expect([...WHOLE_STACK].sort()).toEqual([...APPS, ...OPTIONAL_APPS].sort());
    expect(WHOLE_STACK.at(-1)).toBe('console');
  });
});
