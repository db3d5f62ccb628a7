import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { Service } from 'kubernetes-models/v1/Service';
import { environment, OPTIONAL_SECRETS, REQUIRED_SECRETS, serviceConfigReferences } from './config';
import {
  CONFIG_MOUNT,
  IMAGE,
  POD_SECURITY,
  labels,
  NAMES,
  NAMESPACE,
  REPLICAS,
  RUNBOOKS_MOUNT,
  selector,
  SERVICES,
  serviceObjectName,
  ServiceName,
} from './settings';

type Spec = (typeof SERVICES)[number];

/**
 * Secrets a service's own env schema reads (a test compares them with apps/<service>/src/service.ts);
 * `${VAR}` references of config/ go only to the services that load the file (CONFIG_READERS).
 */
export const OWN_SECRETS: Partial<Record<ServiceName, string[]>> = {
  ingress: ['FIREBREAK_WEBHOOK_TOKENS', 'FIREBREAK_WEBHOOK_BASIC_AUTH'],
  knowledge: ['FIREBREAK_LLM_API_KEY'],
  // The chat buttons: Slack's signing secret and the secret Telegram sends back with each press.
  notifier: ['FIREBREAK_SLACK_SIGNING_SECRET', 'FIREBREAK_TELEGRAM_WEBHOOK_SECRET'],
};

/** `referencesByFile`: the `${VAR}` references of each file of config/ (configReferencesByFile). */
export function serviceObjects(referencesByFile: Map<string, string[]>): Array<Deployment | Service | PodDisruptionBudget> {
  return SERVICES.flatMap((spec) => [
    deployment(spec, serviceConfigReferences(referencesByFile, spec.name)),
    service(spec),
    disruptionBudget(spec),
  ]);
}

/** `configReferences`: the `${VAR}` names of the config files this service loads. */
export function deployment(spec: Spec, configReferences: string[]): Deployment {
  const name = serviceObjectName(spec.name);
  return new Deployment({
    metadata: { name, namespace: NAMESPACE, labels: labels(name) },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: selector(name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: labels(name),
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(spec.port), 'prometheus.io/path': '/metrics' },
        },
        spec: {
          // Draining consumers and finishing in-flight steps takes a while (DESIGN §4).
          terminationGracePeriodSeconds: 60,
          securityContext: POD_SECURITY,
          containers: [container(spec, configReferences)],
          volumes: [
            { name: 'config', configMap: { name: NAMES.config } },
            { name: 'runbooks', configMap: { name: NAMES.runbooks } },
            { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
          ],
        },
      },
    },
  });
}

function container(spec: Spec, configReferences: string[]): IContainer {
  return {
    name: spec.name,
    image: IMAGE,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: spec.port, protocol: 'TCP' }],
    env: containerEnv(spec, configReferences),
    readinessProbe: probe('/health/ready', { periodSeconds: 10, failureThreshold: 3 }),
    livenessProbe: probe('/health/live', { periodSeconds: 20, failureThreshold: 3 }),
    // Migrations run at start, so the first answer may take a while.
    startupProbe: probe('/health/live', { periodSeconds: 5, failureThreshold: 60 }),
    resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { memory: '768Mi' } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    volumeMounts: [
      { name: 'config', mountPath: CONFIG_MOUNT, readOnly: true },
      { name: 'runbooks', mountPath: RUNBOOKS_MOUNT, readOnly: true },
      // The root filesystem is read-only; runbook commands and Node may still want a scratch dir.
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

function containerEnv(spec: Spec, configReferences: string[]): IEnvVar[] {
  const own: IEnvVar[] = [
    { name: 'FIREBREAK_SERVICE', value: spec.name },
    { name: 'FIREBREAK_HTTP_PORT', value: String(spec.port) },
  ];
  const shared = Object.keys(environment()).filter((key) => spec.name === 'console' || !key.startsWith('FIREBREAK_URL_'));
  const fromConfigMap = shared.map((key) => ({ name: key, valueFrom: { configMapKeyRef: { name: NAMES.env, key } } }));
  // Only a service with tables connects to Postgres; the console and the ingress never read DATABASE_URL.
  const required = spec.database ? REQUIRED_SECRETS.map((key) => secretRef(key, false)) : [];
  const optional = [...OPTIONAL_SECRETS.filter((key) => key === 'FIREBREAK_API_TOKENS'), ...(OWN_SECRETS[spec.name] ?? [])];
  return [...own, ...fromConfigMap, ...required, ...[...optional, ...configReferences].map((key) => secretRef(key, true))];
}

function secretRef(key: string, optional: boolean): IEnvVar {
  return { name: key, valueFrom: { secretKeyRef: { name: NAMES.secret, key, optional } } };
}

function probe(path: string, timing: { periodSeconds: number; failureThreshold: number }): IProbe {
  return { httpGet: { path, port: 'http' }, timeoutSeconds: 5, ...timing };
}

export function service(spec: Spec): Service {
  const name = serviceObjectName(spec.name);
  return new Service({
    metadata: { name, namespace: NAMESPACE, labels: labels(name) },
    spec: {
      type: 'ClusterIP',
      selector: selector(name),
      ports: [{ name: 'http', port: spec.port, targetPort: 'http', protocol: 'TCP' }],
    },
  });
}

/** Keeps one replica up through node drains. */
function disruptionBudget(spec: Spec): PodDisruptionBudget {
  const name = serviceObjectName(spec.name);
  return new PodDisruptionBudget({
    metadata: { name, namespace: NAMESPACE, labels: labels(name) },
    spec: { minAvailable: 1, selector: { matchLabels: selector(name) } },
  });
}
