import { JetStreamApiError, JetStreamManager, StreamConfig, RetentionPolicy, StorageType, DiscardPolicy } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { StreamDefinition } from '@firebreak/contracts';
import type { Logger } from 'pino';

function desiredConfig(definition: StreamDefinition): Partial<StreamConfig> & { name: string } {
  return {
    name: definition.name,
    subjects: definition.subjects,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(definition.maxAgeMs),
    duplicate_window: nanos(definition.duplicateWindowMs),
    max_bytes: definition.maxBytes,
    num_replicas: definition.replicas,
  };
}

const COMPARED: Array<keyof StreamConfig> = ['subjects', 'max_age', 'duplicate_window', 'max_bytes', 'num_replicas', 'discard'];

/** Idempotent: creates missing streams and updates those whose settings changed. */
export async function provisionStreams(jsm: JetStreamManager, definitions: StreamDefinition[], logger: Logger): Promise<void> {
  for (const definition of definitions) {
    const desired = desiredConfig(definition);
    let current: StreamConfig | undefined;
    try {
      current = (await jsm.streams.info(definition.name)).config;
    } catch (error) {
      if (!(error instanceof JetStreamApiError) || error.status !== 404) throw error;
    }
    if (!current) {
      await jsm.streams.add(desired);
      logger.info({ stream: definition.name, subjects: definition.subjects }, 'stream created');
      continue;
    }
    const changed = COMPARED.filter((key) => JSON.stringify(current[key]) !== JSON.stringify(desired[key]));
    if (changed.length > 0) {
      await jsm.streams.update(definition.name, { ...current, ...desired });
      logger.info({ stream: definition.name, changed }, 'stream updated');
    }
  }
}
