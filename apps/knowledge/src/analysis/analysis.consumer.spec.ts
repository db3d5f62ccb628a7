import { CloudEvent, DataOf } from '@firebreak/contracts';
import { HandlerContext } from '@firebreak/bus';
import { AnalysisConsumer } from './analysis.consumer';
import { AnalysisService, EpisodeOutcome } from './analysis.service';

const event = {
  id: 'e1',
  time: '2026-12-07T00:00:00.000Z',
  data: { kind: 'firing', alert: { fingerprint: '0123456789abcdef', status: 'firing', severity: 'critical' } },
} as CloudEvent<DataOf<'alerts.notify'>>;

async function logged(outcome: EpisodeOutcome) {
  const service = { shouldAnalyse: () => true, analyseEpisode: jest.fn().mockResolvedValue(outcome) } as unknown as AnalysisService;
  const log = { info: jest.fn(), debug: jest.fn() };
  await new AnalysisConsumer(service).onNotify(event, { consumer: 'knowledge-alerts-notify', log } as unknown as HandlerContext);
  return { info: log.info.mock.calls.length, debug: log.debug.mock.calls.length };
}

describe('AnalysisConsumer logging', () => {
  it.each(['storm', 'budget'] as const)('a %s outcome (thousands in a storm, each stored with why) logs at debug only', async (outcome) => {
    expect(await logged(outcome)).toEqual({ info: 0, debug: 1 });
  });

  it.each(['analysed', 'duplicate', 'stale'] as const)(
    'an %s outcome logs at info (a stale alert stores nothing else)',
    async (outcome) => {
      expect(await logged(outcome)).toEqual({ info: 1, debug: 0 });
    },
  );
});
