import { labelOverlap, signatureOf } from './labels';

describe('label signature', () => {
  it('ignores volatile labels and label order', () => {
    expect(signatureOf({ job: 'web', instance: 'a:9100', env: 'prod', pod: 'web-1' })).toBe(
      signatureOf({ pod: 'web-2', env: 'prod', instance: 'b:9100', job: 'web' }),
    );
  });

  it('differs when a stable label differs', () => {
    expect(signatureOf({ job: 'web' })).not.toBe(signatureOf({ job: 'db' }));
  });

  it('cannot be forged by a value that looks like two labels', () => {
    expect(signatureOf({ a: 'b,c=d' })).not.toBe(signatureOf({ a: 'b', c: 'd' }));
  });
});

describe('label overlap', () => {
  it('is 1 for the same stable labels, 0 for nothing shared, in between otherwise', () => {
    expect(labelOverlap({ job: 'web', instance: 'x' }, { job: 'web', instance: 'y' })).toBe(1);
    expect(labelOverlap({ job: 'web' }, { job: 'db' })).toBe(0);
    expect(labelOverlap({ job: 'web', env: 'prod' }, { job: 'web', env: 'dev' })).toBeCloseTo(1 / 3);
    expect(labelOverlap({}, {})).toBe(0);
  });
});
