import { AlertBudget } from './alert-budget';

describe('AlertBudget', () => {
  it('lets takers through while alerts are free and holds the next until enough are given back', async () => {
    const budget = new AlertBudget(100);
    expect(await budget.take(60)).toBe(60);
    let second = false;
    const taking = budget.take(50).then((amount) => ((second = true), amount));
    await Promise.resolve();
    expect(second).toBe(false);
    budget.giveBack(60);
    expect(await taking).toBe(50);
    expect(budget.free).toBe(50);
  });

  it('serves waiters in arrival order: a small request does not overtake a large one waiting', async () => {
    const budget = new AlertBudget(100);
    const held = await budget.take(90);
    const order: string[] = [];
    const large = budget.take(80).then(() => order.push('large'));
    const small = budget.take(5).then(() => order.push('small'));
    await Promise.resolve();
    // 10 free would fit the small one, but the large one came first.
    expect(order).toEqual([]);
    budget.giveBack(held);
    await Promise.all([large, small]);
    expect(order).toEqual(['large', 'small']);
    expect(budget.free).toBe(15);
  });

  it('gives a request larger than the whole budget all of it, once everything is free', async () => {
    const budget = new AlertBudget(100);
    const held = await budget.take(1);
    const huge = budget.take(5_000);
    budget.giveBack(held);
    expect(await huge).toBe(100);
    expect(budget.free).toBe(0);
  });
});
