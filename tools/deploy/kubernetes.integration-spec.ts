import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsConfig } from './kubernetes/nats';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? 'nats-server';

describe("the NATS cluster's nats.conf", () => {
  it('is a configuration nats-server accepts, with the pod name as server name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-nats-conf-'));
    try {
      writeFileSync(join(dir, 'nats.conf'), natsConfig());
      const run = spawnSync(NATS_SERVER, ['-c', join(dir, 'nats.conf'), '-t'], {
        encoding: 'utf8',
        env: { ...process.env, SERVER_NAME: 'firebreak-nats-0' },
      });
      expect(run.error).toBeUndefined();
      expect({ status: run.status, output: `${run.stdout}${run.stderr}` }).toEqual({
        status: 0,
        output: expect.stringContaining('is valid'),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is refused by the same check when it is broken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-nats-conf-'));
    try {
      writeFileSync(join(dir, 'nats.conf'), natsConfig().replace('cluster {', 'cluster {{'));
      const run = spawnSync(NATS_SERVER, ['-c', join(dir, 'nats.conf'), '-t'], { encoding: 'utf8' });
      expect(run.status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
