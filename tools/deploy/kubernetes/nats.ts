import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { Service } from 'kubernetes-models/v1/Service';
import type { IServicePort } from 'kubernetes-models/v1/ServicePort';
import { labels, NAMES, POD_SECURITY, NAMESPACE, NATS_IMAGE, NATS_REPLICAS, natsPodHost, selector } from './settings';

const CLIENT = 4222;
const CLUSTER = 6222;
const MONITOR = 8222;

/** The routes name every pod through the headless Service, so each server finds the other two. */
export function natsRoutes(): string[] {
  return Array.from({ length: NATS_REPLICAS }, (_, index) => `nats://${natsPodHost(index)}:${CLUSTER}`);
}

export function natsConfig(): string {
  return [
    `port: ${CLIENT}`,
    `http_port: ${MONITOR}`,
    // JetStream clustering needs a unique, stable name per server: the pod's name.
    'server_name: $SERVER_NAME',
    'pid_file: /var/run/nats/nats.pid',
    'lame_duck_duration: 30s',
    'jetstream {',
    '  store_dir: /data/jetstream',
    '  max_file_store: 10Gi',
    '}',
    'cluster {',
    '  name: firebreak',
    `  port: ${CLUSTER}`,
    '  connect_retries: 120',
    '  routes: [',
    ...natsRoutes().map((route) => `    ${route}`),
    '  ]',
    '}',
    '',
  ].join('\n');
}

export function natsObjects(): Array<ConfigMap | Service | StatefulSet> {
  const meta = (name: string) => ({ name, namespace: NAMESPACE, labels: labels(NAMES.nats) });
  const ports: IServicePort[] = [
    { name: 'client', port: CLIENT, targetPort: 'client', protocol: 'TCP' },
    { name: 'cluster', port: CLUSTER, targetPort: 'cluster', protocol: 'TCP' },
    { name: 'monitor', port: MONITOR, targetPort: 'monitor', protocol: 'TCP' },
  ];
  return [
    new ConfigMap({ metadata: meta(NAMES.natsConfig), data: { 'nats.conf': natsConfig() } }),
    new Service({
      metadata: meta(NAMES.natsHeadless),
      // Routes must resolve before the servers are ready: they become ready only once clustered.
      spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: selector(NAMES.nats), ports },
    }),
    new Service({
      metadata: meta(NAMES.nats),
      spec: { type: 'ClusterIP', selector: selector(NAMES.nats), ports: [ports[0]] },
    }),
    statefulSet(),
  ];
}

function statefulSet(): StatefulSet {
  return new StatefulSet({
    metadata: { name: NAMES.nats, namespace: NAMESPACE, labels: labels(NAMES.nats) },
    spec: {
      serviceName: NAMES.natsHeadless,
      replicas: NATS_REPLICAS,
      // All three start together: a JetStream cluster needs a quorum before any of them is ready.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selector(NAMES.nats) },
      template: {
        metadata: { labels: labels(NAMES.nats) },
        spec: {
          terminationGracePeriodSeconds: 60,
          securityContext: POD_SECURITY,
          containers: [natsContainer()],
          volumes: [
            { name: 'config', configMap: { name: NAMES.natsConfig } },
            { name: 'pid', emptyDir: {} },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
        },
      ],
    },
  });
}

function natsContainer(): IContainer {
  const healthz = (query: string) => ({ httpGet: { path: `/healthz${query}`, port: 'monitor' }, timeoutSeconds: 5 });
  return {
    name: 'nats',
    image: NATS_IMAGE,
    args: ['--config', '/etc/nats/nats.conf'],
    env: [{ name: 'SERVER_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    ports: [
      { name: 'client', containerPort: CLIENT },
      { name: 'cluster', containerPort: CLUSTER },
      { name: 'monitor', containerPort: MONITOR },
    ],
    startupProbe: { ...healthz(''), periodSeconds: 5, failureThreshold: 90 },
    livenessProbe: { ...healthz('?js-enabled-only=true'), periodSeconds: 30, failureThreshold: 3 },
    readinessProbe: { ...healthz('?js-server-only=true'), periodSeconds: 10, failureThreshold: 3 },
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/nats', readOnly: true },
      { name: 'data', mountPath: '/data' },
      { name: 'pid', mountPath: '/var/run/nats' },
    ],
    // Lame-duck mode moves clients to the other servers before this one stops.
    lifecycle: { preStop: { exec: { command: ['nats-server', '-sl=ldm=/var/run/nats/nats.pid'] } } },
  };
}
