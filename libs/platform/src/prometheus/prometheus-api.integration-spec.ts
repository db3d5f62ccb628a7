import { FakeHttpTarget, TestPrometheus } from '@firebreak/testing';
import { PrometheusQueryError, queryInstant, queryRange } from './prometheus-api';

async function failureOf(promise: Promise<unknown>): Promise<PrometheusQueryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PrometheusQueryError);
  return error as PrometheusQueryError;
}

describe('Prometheus query API against Debian’s Prometheus', () => {
  const prometheus = new TestPrometheus();

  beforeAll(() => prometheus.start(), 60_000);
  afterAll(() => prometheus.stop());

  it('reads a vector with its labels, a scalar, and a range', async () => {
    const at = new Date();
    expect(await queryInstant(prometheus.url, 'label_replace(vector(3), "job", "api", "", "")', at)).toEqual([
      { metric: { job: 'api' }, value: 3 },
    ]);
    expect(await queryInstant(prometheus.url, 'scalar(vector(2)) * 2', at)).toEqual([{ metric: {}, value: 4 }]);
    const series = await queryRange(prometheus.url, 'vector(1)', new Date(at.getTime() - 60_000), at, 30_000);
    expect(series).toHaveLength(1);
    expect(series[0].values.map(([, value]) => value)).toEqual([1, 1, 1]);
    expect(series[0].values[1][0] - series[0].values[0][0]).toBe(30_000);
  });

  it('a query Prometheus refuses is "refused" (the query’s fault, not worth retrying)', async () => {
    const error = await failureOf(queryInstant(prometheus.url, 'sum(', undefined));
    expect(error).toMatchObject({ failure: 'refused', status: 400, transient: false });
    expect(error.message).toContain('parse error');
  });

  it('a string or a range vector where an instant value is needed is "wrong_type"', async () => {
    expect(await failureOf(queryInstant(prometheus.url, 'vector(1)[1m:]', undefined))).toMatchObject({ failure: 'wrong_type' });
    expect(await failureOf(queryInstant(prometheus.url, '"text"', undefined))).toMatchObject({ failure: 'wrong_type' });
  });
});

describe('Prometheus query API against broken answers', () => {
  const target = new FakeHttpTarget()
    .on('POST', '/down/api/v1/query', () => ({ status: 503, body: { status: 'error', error: 'overloaded' } }))
    .on('POST', '/html/api/v1/query', () => ({ status: 200, body: '<html>proxy login</html>', headers: { 'content-type': 'text/html' } }))
    .on('POST', '/huge/api/v1/query', () => ({
      body: { status: 'success', data: { resultType: 'vector', result: [], pad: 'x'.repeat(2_000_000) } },
    }));

  beforeAll(() => target.start());
  afterAll(() => target.stop());

  it('a 5xx is "unavailable" and worth retrying', async () => {
    expect(await failureOf(queryInstant(`${target.url}/down`, 'up', undefined))).toMatchObject({
      failure: 'unavailable',
      status: 503,
      transient: true,
    });
  });

  it('a body that is not Prometheus JSON is "malformed"', async () => {
    const error = await failureOf(queryInstant(`${target.url}/html/`, 'up', undefined));
    expect(error).toMatchObject({ failure: 'malformed' });
    expect(error.message).toContain('<html>proxy login');
  });

  it('an answer over the size limit is refused, not buffered', async () => {
    expect(await failureOf(queryInstant(`${target.url}/huge`, 'up', undefined, { maxBytes: 1_000_000 }))).toMatchObject({
      failure: 'malformed',
    });
  });

  it('no answer at all is "unreachable"', async () => {
    expect(await failureOf(queryInstant('http://127.0.0.1:9', 'up', undefined))).toMatchObject({ failure: 'unreachable', transient: true });
  });
});
