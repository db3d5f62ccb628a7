import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnvSchema, ServiceOptions } from '@firebreak/platform';
import type { z } from 'zod';
import { findRoot } from './generate';
import { kubernetesManifests } from './kubernetes';
import { configReferences, configReferencesByFile, serviceConfigReferences } from './kubernetes/config';
import { CONFIG_READERS, NAMES, SERVICES, ServiceName } from './kubernetes/settings';

const root = findRoot();
const byFile = configReferencesByFile(join(root, 'config'));

/**
 * A service's SERVICE (env schema, database), loaded by path at run time: a tool may not import an app (module
 * boundaries), yet this test is about what each app's own schema reads, so it reads the schema itself.
 */
function serviceOptions(service: ServiceName): ServiceOptions<z.ZodRawShape> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above; jest compiles the .ts on require
  return (require(join(root, 'apps', service, 'src', 'service')) as { SERVICE: ServiceOptions<z.ZodRawShape> }).SERVICE;
}

const SECRET_LIKE = /(SECRET|TOKENS?|PASSWORD|KEY|BASIC_AUTH)$|^DATABASE_URL$/;
/** Limits named after what they count (FIREBREAK_LLM_MAX_TOKENS, …_MAX_STREAMS_PER_TOKEN) hold no secret. */
const LIMIT = /_(MAX|PER)_/;
const isSecretLike = (name: string) => SECRET_LIKE.test(name) && !LIMIT.test(name);

/** The secret-like names a service's own config schema (platform base + SERVICE.env) reads. */
function schemaSecrets(service: ServiceName): string[] {
  const options = serviceOptions(service);
  const shape = options.env ? baseEnvSchema.extend(options.env.shape).shape : baseEnvSchema.shape;
  // DATABASE_URL has a default in the base schema; only a service with tables opens a connection with it.
  return Object.keys(shape)
    .filter(isSecretLike)
    .filter((name) => name !== 'DATABASE_URL' || options.database !== undefined)
    .sort();
}

/* eslint-disable @typescript-eslint/no-explicit-any -- plain JSON of the generated objects */
const objects: any[] = [...kubernetesManifests(root).values()].flat().map((object) => object.toJSON());
function deploymentSecrets(service: ServiceName): string[] {
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `firebreak-${service}`);
  return deployment.spec.template.spec.containers[0].env
    .filter((e: any) => e.valueFrom?.secretKeyRef)
    .map((e: any) => e.name)
    .sort();
}

describe("the Deployments' secrets", () => {
  it.each(SERVICES.map((s) => s.name))('of %s are the secret-like settings its own config schema reads, no more', (service) => {
    const references = new Set(serviceConfigReferences(byFile, service));
    const own = deploymentSecrets(service).filter((name) => !references.has(name));
    expect(own.filter(isSecretLike)).toEqual(schemaSecrets(service));
    expect(own.filter((name) => !isSecretLike(name))).toEqual([]);
  });

  it('give the chat secrets to the notifier alone, and DATABASE_URL to no service without tables', () => {
    expect(deploymentSecrets('notifier')).toEqual(
      expect.arrayContaining(['FIREBREAK_SLACK_SIGNING_SECRET', 'FIREBREAK_TELEGRAM_WEBHOOK_SECRET', 'DATABASE_URL']),
    );
    for (const service of ['console', 'ingress', 'mapper'] as const)
      expect(deploymentSecrets(service)).not.toEqual(expect.arrayContaining(['FIREBREAK_SLACK_SIGNING_SECRET']));
    expect(deploymentSecrets('console')).toEqual(['FIREBREAK_API_TOKENS']);
    expect(deploymentSecrets('ingress')).not.toContain('DATABASE_URL');
  });

  it("give a config file's ${VAR} references only to the services that load it", () => {
    const channelSecrets = byFile.get('channels.yaml') ?? [];
    expect(channelSecrets).toEqual(expect.arrayContaining(['TELEGRAM_BOT_TOKEN', 'SLACK_WEBHOOK_URL', 'PAGERDUTY_ROUTING_KEY']));
    for (const { name } of SERVICES) {
      const secrets = deploymentSecrets(name);
      if (name === 'notifier') expect(secrets).toEqual(expect.arrayContaining(channelSecrets));
      else expect(secrets.filter((secret) => channelSecrets.includes(secret))).toEqual([]);
    }
    const secretKeys = Object.keys(objects.find((o) => o.kind === 'Secret' && o.metadata.name === NAMES.secret).stringData);
    expect(secretKeys).toEqual(expect.arrayContaining(configReferences(join(root, 'config'))));
  });

  it('stop the generator on a config file with references no service is known to load', () => {
    const unknown = new Map([['new.yaml', ['NEW_TOKEN']]]);
    expect(() => serviceConfigReferences(unknown, 'notifier')).toThrow(/config\/new\.yaml references NEW_TOKEN/);
    expect(serviceConfigReferences(new Map([['new.yaml', []]]), 'notifier')).toEqual([]);
  });

  it('list as readers of each config file services whose code names that file', () => {
    expect(Object.keys(CONFIG_READERS).sort()).toEqual(
      readdirSync(join(root, 'config'))
        .filter((f) => f.endsWith('.yaml'))
        .sort(),
    );
    for (const [file, readers] of Object.entries(CONFIG_READERS)) {
      for (const service of readers) {
        const where = file === 'chat-users.yaml' ? join(root, 'libs/platform/src/config') : join(root, 'apps', service, 'src');
        expect({ file, service, named: sourceNames(where, file) }).toEqual({ file, service, named: true });
      }
    }
  });
});

/** Whether a non-test source file under `dir` names `file` (its name or its stem in quotes). */
function sourceNames(dir: string, file: string): boolean {
  const stem = file.replace(/\.yaml$/, '');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts') && !/spec\.ts$|testing\//.test(path))
    .some((path) => {
      const text = readFileSync(join(dir, path), 'utf8');
      return text.includes(file) || text.includes(`'${stem}'`);
    });
}
