import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnvSchema } from '@firebreak/platform';
import { streamDefinitions } from '@firebreak/contracts';
import { findRoot } from './generate';
import { kubernetesManifests } from './kubernetes';
import { configReferencesByFile } from './kubernetes/config';
import { NATS_MAX_FILE_STORE, NATS_MAX_MEMORY_STORE } from './kubernetes/nats';
import { IMAGE, NAMES, NAMESPACE, NATS_IMAGE, natsPodHost, SERVICES } from './kubernetes/settings';

const root = findRoot();

/* eslint-disable @typescript-eslint/no-explicit-any -- plain JSON of the generated objects */
const objects: any[] = [...kubernetesManifests(root).values()].flat().map((object) => object.toJSON());
const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const deployments = objects.filter((o) => o.kind === 'Deployment');
const configMapData = (name: string): Record<string, string> => named('ConfigMap', name)?.data ?? {};
const secretKeys = Object.keys(named('Secret', NAMES.secret).stringData);

describe('the Kubernetes manifests', () => {
  it('validate against the Kubernetes schema, all in the firebreak namespace', () => {
    for (const object of [...kubernetesManifests(root).values()].flat()) expect(() => object.validate()).not.toThrow();
    expect(objects.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === NAMESPACE)).toBe(true);
  });

  it('run every service of the image, from one image, on its own port, with both probes on that port', () => {
    expect(deployments.map((d) => d.spec.template.spec.containers[0].name)).toEqual(SERVICES.map((s) => s.name));
    for (const { name, port } of SERVICES) {
      const deployment = named('Deployment', `firebreak-${name}`);
      const [container] = deployment.spec.template.spec.containers;
      const env = Object.fromEntries(container.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
      expect({ image: container.image, service: env.FIREBREAK_SERVICE, port: env.FIREBREAK_HTTP_PORT }).toEqual({
        image: IMAGE,
        service: name,
        port: String(port),
      });
      expect(existsSync(join(root, 'apps', name, 'src', 'main.ts'))).toBe(true);
      expect(container.ports).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }]);
      expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
      expect(deployment.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(port));
      const service = named('Service', `firebreak-${name}`);
      expect(service.spec.ports).toEqual([{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }]);
      expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
      expect(deployment.spec.selector.matchLabels).toEqual(service.spec.selector);
    }
  });

  it('run the services as non-root on a read-only root filesystem', () => {
    for (const deployment of deployments) {
      const { securityContext, containers } = deployment.spec.template.spec;
      expect(securityContext.runAsNonRoot).toBe(true);
      expect(containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(containers[0].resources.requests).toBeDefined();
    }
  });

  it('reference only ConfigMap and Secret keys that exist', () => {
    for (const workload of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
      const { containers, volumes } = workload.spec.template.spec;
      for (const { valueFrom } of containers.flatMap((c: any) => c.env ?? [])) {
        if (valueFrom?.configMapKeyRef)
          expect(Object.keys(configMapData(valueFrom.configMapKeyRef.name))).toContain(valueFrom.configMapKeyRef.key);
        if (valueFrom?.secretKeyRef)
          expect([valueFrom.secretKeyRef.name, secretKeys]).toEqual([NAMES.secret, expect.arrayContaining([valueFrom.secretKeyRef.key])]);
      }
      for (const volume of volumes.filter((v: any) => v.configMap)) expect(named('ConfigMap', volume.configMap.name)).toBeDefined();
    }
  });

  it('give the notifier the secrets channels.yaml references, and carry config/ and runbooks/ as they are', () => {
    const notifierEnv = named('Deployment', 'firebreak-notifier').spec.template.spec.containers[0].env.map((e: any) => e.name);
    const channelSecrets = configReferencesByFile(join(root, 'config')).get('channels.yaml') ?? [];
    expect(channelSecrets.length).toBeGreaterThan(0);
    expect(notifierEnv).toEqual(expect.arrayContaining(channelSecrets));
    expect(Object.keys(configMapData(NAMES.config))).toContain('channels.yaml');
    expect(Object.keys(configMapData(NAMES.runbooks))).toContain('service_unavailable.yaml');
  });

  it("hold settings the services' own config schema accepts, with R3 streams", () => {
    const secrets = named('Secret', NAMES.secret).stringData;
    const parsed = baseEnvSchema.parse({ ...configMapData(NAMES.env), DATABASE_URL: secrets.DATABASE_URL });
    expect(parsed.FIREBREAK_STREAM_REPLICAS).toBe(3);
    expect(streamDefinitions({ replicas: parsed.FIREBREAK_STREAM_REPLICAS }).every((s) => s.replicas === 3)).toBe(true);
    expect(parsed.NATS_URL).toBe(`nats://${NAMES.nats}:4222`);
  });

  it('run a 3-node NATS JetStream cluster whose routes name all three pods', () => {
    const nats = named('StatefulSet', NAMES.nats);
    expect(nats.spec).toMatchObject({ replicas: 3, serviceName: NAMES.natsHeadless });
    expect(nats.spec.template.spec.containers[0].image).toBe(NATS_IMAGE);
    expect(nats.spec.volumeClaimTemplates[0].spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(named('Service', NAMES.natsHeadless).spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    const conf = configMapData(NAMES.natsConfig)['nats.conf'];
    const routes = [...conf.matchAll(/nats:\/\/([^:\s]+):6222/g)].map((m) => m[1]);
    expect(routes).toEqual([0, 1, 2].map(natsPodHost));
    expect(conf).toContain('jetstream {');
  });

  it("keep JetStream's stores inside the NATS volume and the container's memory limit", () => {
    const nats = named('StatefulSet', NAMES.nats);
    const conf = configMapData(NAMES.natsConfig)['nats.conf'];
    const volume = bytes(nats.spec.volumeClaimTemplates[0].spec.resources.requests.storage);
    const memory = bytes(nats.spec.template.spec.containers[0].resources.limits.memory);
    expect(Number(/max_file_store: (\d+)/.exec(conf)?.[1])).toBe(NATS_MAX_FILE_STORE);
    expect(Number(/max_memory_store: (\d+)/.exec(conf)?.[1])).toBe(NATS_MAX_MEMORY_STORE);
    expect(NATS_MAX_FILE_STORE / volume).toBeCloseTo(0.85, 2);
    expect(NATS_MAX_MEMORY_STORE).toBeLessThanOrEqual(memory / 2);
  });

  it("admit only Firebreak's pods to NATS's client port and only NATS pods to its route port; services' egress stays open", () => {
    const nats = named('NetworkPolicy', NAMES.nats);
    expect(nats.spec.podSelector.matchLabels).toEqual(named('StatefulSet', NAMES.nats).spec.selector.matchLabels);
    expect(nats.spec.policyTypes).toEqual(['Ingress']);
    const admitted = nats.spec.ingress.map((rule: any) => [
      rule.from.map((f: any) => f.podSelector.matchLabels),
      rule.ports.map((p: any) => p.port),
    ]);
    expect(admitted).toEqual([
      [[{ 'app.kubernetes.io/part-of': 'firebreak' }], [4222]],
      [[named('StatefulSet', NAMES.nats).spec.selector.matchLabels], [6222]],
    ]);
    for (const deployment of deployments) expect(deployment.spec.template.metadata.labels['app.kubernetes.io/part-of']).toBe('firebreak');
    const egress = named('NetworkPolicy', NAMES.servicesEgress);
    expect(egress.spec).toMatchObject({ policyTypes: ['Egress'], egress: [{}] });
    expect(egress.spec.podSelector.matchExpressions).toEqual([{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: [NAMES.nats] }]);
  });
});

function bytes(quantity: string): number {
  const [, amount, unit] = /^(\d+)(Mi|Gi)$/.exec(quantity) ?? [];
  return Number(amount) * 1024 ** (unit === 'Gi' ? 3 : 2);
}
