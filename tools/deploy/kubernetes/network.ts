import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { labels, NAMES, NAMESPACE, selector } from './settings';
import { NATS_PORTS } from './nats';

/** Every Firebreak pod (the services and NATS) carries this label; pods of other apps do not. */
const FIREBREAK_PODS = { 'app.kubernetes.io/part-of': 'firebreak' };

/**
 * NATS runs without authentication (per-service accounts are not generated yet): only Firebreak's pods may
 * reach its client port, and only the NATS pods its route port. Kubelet probes are not subject to these
 * policies, so the monitor port needs no rule.
 */
export function natsNetworkPolicy(): NetworkPolicy {
  return new NetworkPolicy({
    metadata: { name: NAMES.nats, namespace: NAMESPACE, labels: labels(NAMES.nats) },
    spec: {
      podSelector: { matchLabels: selector(NAMES.nats) },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: { matchLabels: FIREBREAK_PODS } }], ports: [{ protocol: 'TCP', port: NATS_PORTS.client }] },
        { from: [{ podSelector: { matchLabels: selector(NAMES.nats) } }], ports: [{ protocol: 'TCP', port: NATS_PORTS.cluster }] },
      ],
    },
  });
}

/**
 * The services' egress stays open on purpose: Postgres is an external URL of unknown address, and channels,
 * runbook steps and Prometheus are wherever the operator points them. Policies add up, so this keeps a
 * namespace-wide default-deny for egress from cutting the services off from their database.
 */
export function servicesEgressPolicy(): NetworkPolicy {
  return new NetworkPolicy({
    metadata: { name: NAMES.servicesEgress, namespace: NAMESPACE, labels: labels('firebreak') },
    spec: {
      podSelector: {
        matchLabels: FIREBREAK_PODS,
        matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: [NAMES.nats] }],
      },
      policyTypes: ['Egress'],
      egress: [{}],
    },
  });
}

export function networkPolicies(): NetworkPolicy[] {
  return [natsNetworkPolicy(), servicesEgressPolicy()];
}
