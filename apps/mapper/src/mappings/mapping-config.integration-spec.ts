import { ConfigError } from '@firebreak/platform';
import { loadEscalationPolicy } from '../escalation/escalation-config';
import { writeConfigDir } from '../testing/mapper-harness';
import { loadFileMappings } from './mapping-config';

describe('the mapper config files (mappings.yaml, escalation.yaml)', () => {
  it('loads the shipped files from config/', () => {
    const mappings = loadFileMappings('config');
    expect(Object.fromEntries(mappings.alertnames)).toEqual({
      ServiceDown: 'service_unavailable',
      HighErrorRate: 'high_error_rate',
      DatabaseConnectionPoolExhausted: 'db_performance_degradation',
      VectorStorePerformanceDegraded: 'vector_store_optimization',
      HighAuthenticationFailureRate: 'security_incident',
      ResearchSystemDown: 'research_system_recovery',
    });
    expect(Object.fromEntries(loadEscalationPolicy('config'))).toEqual({ critical: 300_000, error: 900_000, warning: 3_600_000 });
  });

  it('treats missing files as empty: no mappings, no escalation', () => {
    const dir = writeConfigDir({});
    expect(loadFileMappings(dir).alertnames.size).toBe(0);
    expect(loadEscalationPolicy(dir).size).toBe(0);
  });

  it('stops with the file and the field of a bad entry', () => {
    const badRule = writeConfigDir({ 'mappings.yaml': 'rules:\n  - matchers: [\'team=~"(db"\']\n    runbook: x\n' });
    expect(() => loadFileMappings(badRule)).toThrow(ConfigError);
    expect(() => loadFileMappings(badRule)).toThrow(/mappings\.yaml: rules\.0\.matchers\.0: invalid regex/);
    // A lookahead RE2 refuses stops start-up too: unlike a stored runtime row, a config file is fixed before a redeploy.
    const lookahead = writeConfigDir({ 'mappings.yaml': 'rules:\n  - matchers: [\'instance=~"(?!canary).*"\']\n    runbook: x\n' });
    expect(() => loadFileMappings(lookahead)).toThrow(/mappings\.yaml: rules\.0\.matchers\.0: invalid regex "\(\?!canary\)\.\*"/);
    const badRunbook = writeConfigDir({ 'mappings.yaml': 'alertnames:\n  ServiceDown: "rm -rf /"\n' });
    expect(() => loadFileMappings(badRunbook)).toThrow(/alertnames\.ServiceDown: must be a runbook id/);
    const unknownKey = writeConfigDir({ 'mappings.yaml': 'alertname:\n  ServiceDown: x\n' });
    expect(() => loadFileMappings(unknownKey)).toThrow(/alertname/);
    const badDelay = writeConfigDir({ 'escalation.yaml': 'escalation:\n  critical: soon\n' });
    expect(() => loadEscalationPolicy(badDelay)).toThrow(/escalation\.yaml: escalation\.critical: "soon" is not a duration/);
    const badSeverity = writeConfigDir({ 'escalation.yaml': 'escalation:\n  urgent: 5m\n' });
    expect(() => loadEscalationPolicy(badSeverity)).toThrow(/escalation\.yaml: escalation/);
  });
});
