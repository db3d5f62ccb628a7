import { BusConnection, SubjectNames } from '@firebreak/bus';
import { streamName } from '@firebreak/contracts';
import { NatsConsumerLagDetector } from '../definitions/detector-config';
import { satisfies } from '../definitions/expectation';
import { Check, CheckContext, CheckError, CheckOutcome } from './check.types';

/**
 * A durable consumer's pending messages (delivered to nobody yet), or without a consumer the
 * messages a stream holds (a dead-letter stream that is not empty), through the bus connection's
 * JetStream manager. Stream names get the installation's prefix, as the bus gives them.
 */
export class NatsConsumerLagCheck implements Check<NatsConsumerLagDetector> {
  constructor(
    private readonly connection: BusConnection,
    private readonly subjects: SubjectNames,
  ) {}

  async run(detector: NatsConsumerLagDetector, _ctx: CheckContext): Promise<CheckOutcome> {
    const stream = streamName(detector.stream, this.subjects.prefix);
    if (detector.consumer) {
      const info = await this.connection.jsm.consumers.info(stream, detector.consumer).catch((error: Error) => {
        throw new CheckError(`consumer ${detector.consumer} of stream ${stream}: ${error.message}`);
      });
      const pending = info.num_pending;
      const ok = satisfies(pending, detector.expect);
      return {
        status: ok ? 'pass' : 'fail',
        value: pending,
        message: `consumer ${detector.consumer} has ${pending} pending${ok ? '' : `, expected ${detector.expect.text}`}`,
        extras: { stream, consumer: detector.consumer, pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered },
      };
    }
    const info = await this.connection.jsm.streams.info(stream).catch((error: Error) => {
      throw new CheckError(`stream ${stream}: ${error.message}`);
    });
    const messages = info.state.messages;
    const ok = satisfies(messages, detector.expect);
    return {
      status: ok ? 'pass' : 'fail',
      value: messages,
      message: `stream ${stream} holds ${messages} messages${ok ? '' : `, expected ${detector.expect.text}`}`,
      extras: { stream, messages, bytes: info.state.bytes },
    };
  }
}
