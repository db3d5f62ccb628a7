import { pollEvery } from './dry-run';

describe('pollEvery', () => {
  it('polls every second while a run moves and stops when it ends', () => {
    expect(pollEvery('pending', undefined)).toBe(1000);
    expect(pollEvery('success', 'running')).toBe(1000);
    expect(pollEvery('success', 'succeeded')).toBe(false);
    expect(pollEvery('success', 'rejected')).toBe(false);
  });

  it('backs off to 5 s while a person decides and stops on a failed read', () => {
    expect(pollEvery('success', 'waiting_approval')).toBe(5000);
    expect(pollEvery('error', 'running')).toBe(false);
    expect(pollEvery('error', undefined)).toBe(false);
  });
});
