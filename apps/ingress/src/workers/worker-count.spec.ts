import { ingressWorkerCount } from './worker-count';

describe('the number of ingress workers', () => {
  it('defaults to 1 below 4 cores and 2 from 4 cores, when unset, empty or auto', () => {
    for (const value of [undefined, '', 'auto', ' auto ']) {
      expect(ingressWorkerCount(value, 1)).toBe(1);
      expect(ingressWorkerCount(value, 2)).toBe(1);
      expect(ingressWorkerCount(value, 3)).toBe(1);
      expect(ingressWorkerCount(value, 4)).toBe(2);
      expect(ingressWorkerCount(value, 16)).toBe(2);
    }
  });

  it('takes a whole number from 1 to 64', () => {
    expect(ingressWorkerCount('1', 2)).toBe(1);
    expect(ingressWorkerCount(' 3 ', 2)).toBe(3);
    expect(ingressWorkerCount('64', 2)).toBe(64);
  });

  it('refuses anything else, naming the variable and the value', () => {
    for (const value of ['0', '-1', '1.5', '65', 'two', '2x'])
      expect(() => ingressWorkerCount(value, 2)).toThrow(new RegExp(`FIREBREAK_INGRESS_WORKERS .*"${value.replace('.', '\\.')}"`));
  });
});
