import { z } from 'zod';
import { loadEnv } from '@firebreak/platform';
import { analysisEnvShape } from './analysis.env';

const schema = z.object(analysisEnvShape);

describe('the analysis shedding settings', () => {
  it('has defaults an operator can live with, and reads what is set', () => {
    expect(loadEnv(schema, {})).toMatchObject({
      FIREBREAK_ANALYSIS_STORM_GROUP_BY: ['alertname'],
      FIREBREAK_ANALYSIS_STORM_FULL: 5,
      FIREBREAK_ANALYSIS_STORM_WINDOW: 600_000,
      FIREBREAK_ANALYSIS_RATE: 5,
      FIREBREAK_ANALYSIS_BURST: 50,
    });
    expect(
      loadEnv(schema, {
        FIREBREAK_ANALYSIS_STORM_GROUP_BY: 'alertname, namespace',
        FIREBREAK_ANALYSIS_STORM_FULL: '2',
        FIREBREAK_ANALYSIS_STORM_WINDOW: '1h',
        FIREBREAK_ANALYSIS_RATE: '0.5',
        FIREBREAK_ANALYSIS_BURST: '10',
      }),
    ).toMatchObject({
      FIREBREAK_ANALYSIS_STORM_GROUP_BY: ['alertname', 'namespace'],
      FIREBREAK_ANALYSIS_STORM_FULL: 2,
      FIREBREAK_ANALYSIS_STORM_WINDOW: 3_600_000,
      FIREBREAK_ANALYSIS_RATE: 0.5,
      FIREBREAK_ANALYSIS_BURST: 10,
    });
  });

  it.each([
    ['FIREBREAK_ANALYSIS_STORM_GROUP_BY', 'alertname,name-space', /FIREBREAK_ANALYSIS_STORM_GROUP_BY: must be label names/],
    ['FIREBREAK_ANALYSIS_STORM_GROUP_BY', ',', /FIREBREAK_ANALYSIS_STORM_GROUP_BY: must name 1 to 10 labels/],
    ['FIREBREAK_ANALYSIS_STORM_FULL', '0', /FIREBREAK_ANALYSIS_STORM_FULL: /],
    ['FIREBREAK_ANALYSIS_STORM_FULL', 'many', /FIREBREAK_ANALYSIS_STORM_FULL: /],
    ['FIREBREAK_ANALYSIS_STORM_WINDOW', '10', /FIREBREAK_ANALYSIS_STORM_WINDOW: must be between 1s and 24h/],
    ['FIREBREAK_ANALYSIS_STORM_WINDOW', 'soon', /FIREBREAK_ANALYSIS_STORM_WINDOW: must be a duration/],
    ['FIREBREAK_ANALYSIS_RATE', '0', /FIREBREAK_ANALYSIS_RATE: must be above 0/],
    ['FIREBREAK_ANALYSIS_RATE', 'fast', /FIREBREAK_ANALYSIS_RATE: must be a number of analyses per second/],
    ['FIREBREAK_ANALYSIS_BURST', '0', /FIREBREAK_ANALYSIS_BURST: /],
  ])('refuses %s=%j at start, naming the variable', (name, value, message) => {
    expect(() => loadEnv(schema, { [name]: value })).toThrow(message);
  });
});
