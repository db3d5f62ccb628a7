import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { Service } from 'kubernetes-models/v1/Service';
import type { IServicePort } from 'kubernetes-models/v1/ServicePort';
import {
  labels,
  NAMES,
  NAMESPACE,
  NATS_IMAGE,
  NATS_MEMORY_LIMIT_MIB,
  NATS_REPLICAS,
  NATS_VOLUME_GIB,
  natsPodHost,
  POD_SECURITY,
  selector,
} from './settings';

export const NATS_PORTS = { client: 4222, cluster: 6222, monitor: 8222 } as const;
const { client: CLIENT, cluster: CLUSTER, monitor: MONITOR } = NATS_PORTS;

const MIB = 1024 * 1024;
/** JetStream's file store in bytes: 85% of the volume, so a full store never fills the disk under the server. */
export const NATS_MAX_FILE_STORE = Math.floor(NATS_VOLUME_GIB * 1024 * MIB * 0.85);
/** JetStream's memory store in bytes: a quarter of the container limit (Firebreak's streams are file-backed). */
export const NATS_MAX_MEMORY_STORE = (NATS_MEMORY_LIMIT_MIB / 4) * MIB;

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
    `  max_file_store: ${NATS_MAX_FILE_STORE}`,
    `  max_memory_store: ${NATS_MAX_MEMORY_STORE}`,
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
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${NATS_VOLUME_GIB}Gi` } } },
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
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: `${NATS_MEMORY_LIMIT_MIB}Mi` } },
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
