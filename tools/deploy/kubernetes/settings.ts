import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';

/** What the generated manifests are made of; one place to change a name, a port or the image. */

export const NAMESPACE = 'firebreak';
/** Build and push the repository's Dockerfile under this name (or rewrite it with kustomize/sed). */
export const IMAGE = 'firebreak:0.1.0';
export const NATS_IMAGE = 'nats:2.10';
export const NATS_REPLICAS = 3;
/** Each NATS pod's volume; JetStream may fill 85% of it, leaving room for its own metadata and compaction. */
export const NATS_VOLUME_GIB = 10;
/** The NATS container's memory limit; JetStream's memory store stays well under it (the server needs the rest). */
export const NATS_MEMORY_LIMIT_MIB = 1024;
/** JetStream replicas of every stream: the bus reads FIREBREAK_STREAM_REPLICAS (libs/platform base config). */
export const STREAM_REPLICAS = 3;

/** Where the ConfigMaps are mounted; the services read FIREBREAK_CONFIG_DIR and FIREBREAK_RUNBOOKS_DIR. */
export const CONFIG_MOUNT = '/etc/firebreak/config';
export const RUNBOOKS_MOUNT = '/etc/firebreak/runbooks';

/** `database`: the service keeps tables (its SERVICE has migrations), so it gets DATABASE_URL; the others do not. */
export const SERVICES = [
  { name: 'ingress', port: 8080, database: false },
  { name: 'mapper', port: 8081, database: true },
  { name: 'runbook-executor', port: 8082, database: true },
  { name: 'detector-scheduler', port: 8083, database: true },
  { name: 'notifier', port: 8084, database: true },
  { name: 'slo-reporter', port: 8085, database: true },
  { name: 'knowledge', port: 8086, database: true },
  { name: 'console', port: 8090, database: false },
] as const;

export type ServiceName = (typeof SERVICES)[number]['name'];

/**
 * Which services load which file of config/ (see apps/<service>/src): a `${VAR}` a file references is a
 * secret only its readers get. chat-users.yaml is read through libs/platform by the three that decide.
 */
export const CONFIG_READERS: Readonly<Record<string, readonly ServiceName[]>> = {
  'automation.yaml': ['runbook-executor'],
  'channels.yaml': ['notifier'],
  'chat-users.yaml': ['mapper', 'runbook-executor', 'notifier'],
  'connections.yaml': ['runbook-executor', 'detector-scheduler'],
  'detectors.yaml': ['detector-scheduler'],
  'escalation.yaml': ['mapper'],
  'mappings.yaml': ['mapper'],
  'services.yaml': ['runbook-executor'],
  'slos.yaml': ['slo-reporter'],
};

/** Every service runs as several replicas: DESIGN §10, no in-process state a second replica gets wrong. */
export const REPLICAS = 2;

export const NAMES = {
  config: 'firebreak-config',
  runbooks: 'firebreak-runbooks',
  env: 'firebreak-env',
  secret: 'firebreak-secrets',
  nats: 'firebreak-nats',
  natsHeadless: 'firebreak-nats-headless',
  natsConfig: 'firebreak-nats-config',
  servicesEgress: 'firebreak-services-egress',
} as const;

export function serviceObjectName(service: ServiceName): string {
  return `firebreak-${service}`;
}

export function natsPodHost(index: number): string {
  return `${NAMES.nats}-${index}.${NAMES.natsHeadless}.${NAMESPACE}.svc.cluster.local`;
}

/** Labels every object carries; `component` tells the pods of one service apart. */
export function labels(component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': component,
    'app.kubernetes.io/part-of': 'firebreak',
    'app.kubernetes.io/managed-by': 'firebreak-deploy-generator',
  };
}

export function selector(component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': component, 'app.kubernetes.io/part-of': 'firebreak' };
}

/** The node image's `node` user (uid 1000); NATS runs as the same. */
export const POD_SECURITY: IPodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: 'RuntimeDefault' },
};
