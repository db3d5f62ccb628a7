import { rankRunbooks, RunbookCandidate, wilsonLowerBound, wilsonUpperBound } from './ranking';

const candidate = (runbookId: string, runs: number, fixed: number, extra: Partial<RunbookCandidate> = {}): RunbookCandidate => ({
  runbookId,
  title: runbookId,
  runs,
  fixed,
  textRelevance: 0,
  labelOverlap: 0,
  ...extra,
});

describe('Wilson lower bound', () => {
  it('is 0 without runs and without successes', () => {
    expect(wilsonLowerBound(0, 0)).toBe(0);
    expect(wilsonLowerBound(0, 10)).toBe(0);
  });

  it('matches the textbook values', () => {
    expect(wilsonLowerBound(1, 1)).toBeCloseTo(0.2065, 3);
    expect(wilsonLowerBound(90, 100)).toBeCloseTo(0.8256, 3);
    expect(wilsonLowerBound(5, 10)).toBeCloseTo(0.2366, 3);
  });

  it('has an upper bound of 1 without runs and about 0.07 after 0 of 50', () => {
    expect(wilsonUpperBound(0, 0)).toBe(1);
    expect(wilsonUpperBound(0, 50)).toBeCloseTo(0.0713, 3);
    expect(wilsonUpperBound(1, 1)).toBe(1);
  });

  it('grows with evidence at the same ratio', () => {
    expect(wilsonLowerBound(9, 10)).toBeLessThan(wilsonLowerBound(90, 100));
    expect(wilsonLowerBound(90, 100)).toBeLessThan(wilsonLowerBound(900, 1000));
  });
});

describe('rankRunbooks', () => {
  it('ranks 1 fixed of 1 below 90 fixed of 100', () => {
    const ranked = rankRunbooks([candidate('lucky', 1, 1), candidate('proven', 100, 90)]);
    expect(ranked.map((r) => r.runbookId)).toEqual(['proven', 'lucky']);
    expect(ranked[1].successRate).toBe(1);
    expect(ranked[0].successRate).toBe(0.9);
  });

  it('ranks many failures below a few successes', () => {
    const ranked = rankRunbooks([candidate('noisy', 200, 20), candidate('good', 12, 11)]);
    expect(ranked.map((r) => r.runbookId)).toEqual(['good', 'noisy']);
  });

  it('lets text relevance break ties and suggests never-run runbooks written for the alert', () => {
    const ranked = rankRunbooks([candidate('unrelated', 0, 0), candidate('written-for-it', 0, 0, { textRelevance: 0.9 })]);
    expect(ranked.map((r) => r.runbookId)).toEqual(['written-for-it']);
    expect(ranked[0].reasons.join(' ')).toMatch(/text matches/);
  });

  it('leaves out never-run runbooks whose text matches much worse than the best match', () => {
    const ranked = rankRunbooks([
      candidate('written-for-it', 0, 0, { textRelevance: 0.94 }),
      candidate('shares-a-word', 0, 0, { textRelevance: 0.66 }),
      candidate('close-second', 0, 0, { textRelevance: 0.8 }),
      candidate('ran-once', 1, 0, { textRelevance: 0.1 }),
    ]);
    expect(ranked.map((r) => r.runbookId)).toEqual(['written-for-it', 'close-second', 'ran-once']);
  });

  it('prefers the runbook that fixed alerts with the same labels when outcomes are equal', () => {
    const ranked = rankRunbooks([candidate('elsewhere', 10, 9), candidate('same-service', 10, 9, { labelOverlap: 1 })]);
    expect(ranked[0].runbookId).toBe('same-service');
  });

  it('does not let text relevance lift a runbook that failed every run above one that fixed its one run', () => {
    const ranked = rankRunbooks([
      candidate('well-written-failure', 50, 0, { textRelevance: 0.9 }),
      candidate('lucky', 1, 1, { textRelevance: 0.1 }),
    ]);
    expect(ranked.map((r) => r.runbookId)).toEqual(['lucky', 'well-written-failure']);
    expect(ranked[1].score).toBeLessThan(0.05);
  });

  it('keeps scores within 0–1 and cuts at the limit', () => {
    const many = Array.from({ length: 8 }, (_, i) => candidate(`r${i}`, 10, i, { textRelevance: 5, labelOverlap: Number.NaN }));
    const ranked = rankRunbooks(many, 3);
    expect(ranked).toHaveLength(3);
    for (const r of ranked) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
    }
  });
});
