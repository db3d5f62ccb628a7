import { sseEvent } from './sse-format';

describe('sseEvent', () => {
  it('names the event by its subject and its id by the CloudEvent id, data on one line', () => {
    const payload = JSON.stringify({ id: 'evt-1', type: 'firebreak.alerts.state.changed.v1', data: { note: 'two\nlines' } }, null, 2);
    const text = sseEvent('alerts.state.changed', payload);
    expect(text).toBe(
      'id: evt-1\nevent: alerts.state.changed\ndata: {"id":"evt-1","type":"firebreak.alerts.state.changed.v1","data":{"note":"two\\nlines"}}\n\n',
    );
  });

  it('keeps a line break in the id from starting a field of its own', () => {
    const text = sseEvent('alerts.analysis', JSON.stringify({ id: 'a\ndata: forged' }));
    expect(text?.split('\n').filter((line) => line.startsWith('data:'))).toHaveLength(1);
  });

  it.each(['not json', '42', 'null', '{"type":"x"}', '{"id":""}'])('gives nothing for a payload that is not an event: %s', (payload) => {
    expect(sseEvent('alerts.analysis', payload)).toBeUndefined();
  });
});
