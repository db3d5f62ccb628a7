import { CliError, EXIT } from './errors';
import { ID_FORMATS, IdKind, pathSegment } from './ids';

const KINDS = Object.keys(ID_FORMATS) as IdKind[];

describe('pathSegment', () => {
  it('refuses the empty id and dot segments for every kind, as a usage error (exit 2)', () => {
    for (const kind of KINDS)
      for (const id of ['', '.', '..']) {
        expect(() => pathSegment(id, kind)).toThrow(CliError);
        try {
          pathSegment(id, kind);
        } catch (error) {
          expect((error as CliError).exitCode).toBe(EXIT.usage);
        }
      }
  });

  it('refuses what the service would not take: slashes, encoded dots, query characters', () => {
    expect(() => pathSegment('../cancel', 'execution')).toThrow('is not an execution id (a UUID');
    expect(() => pathSegment('%2e%2e', 'detector')).toThrow(CliError);
    expect(() => pathSegment('0123456789ABCDEF', 'fingerprint')).toThrow('16 lowercase hex digits');
    expect(() => pathSegment('Disk-Full', 'runbook')).toThrow('not a runbook id');
    expect(() => pathSegment('a?b=c', 'detector')).toThrow(CliError);
    expect(() => pathSegment('.hidden', 'detector')).toThrow(CliError);
  });

  it('passes the ids the services give out', () => {
    expect(pathSegment('0123456789abcdef', 'fingerprint')).toBe('0123456789abcdef');
    expect(pathSegment('3f2b8c1e-9a4d-4e7f-8b6a-1c2d3e4f5a6b', 'silence')).toBe('3f2b8c1e-9a4d-4e7f-8b6a-1c2d3e4f5a6b');
    expect(pathSegment('restart_api', 'runbook')).toBe('restart_api');
    expect(pathSegment('firebreak-mapper-lag', 'detector')).toBe('firebreak-mapper-lag');
    expect(pathSegment('disk.usage_v2', 'detector')).toBe('disk.usage_v2');
  });
});
