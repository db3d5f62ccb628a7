import { apiUrl } from './client';
import { roleAllows } from '../auth/roles';

describe('apiUrl', () => {
  it('puts the service in the path and the rest after /api/<service>', () => {
    expect(apiUrl('mapper', '/v1/alerts')).toBe('/api/mapper/v1/alerts');
    expect(apiUrl('console', 'session')).toBe('/api/console/session');
  });

  it('encodes query values, repeats arrays and leaves out empty ones', () => {
    expect(apiUrl('mapper', '/v1/alerts', { label: ['team=a&b', 'x=<script>'], status: 'firing', cursor: undefined, q: '' })).toBe(
      '/api/mapper/v1/alerts?label=team%3Da%26b&label=x%3D%3Cscript%3E&status=firing',
    );
  });
});

describe('roleAllows', () => {
  it('orders admin over operator over viewer, and refuses without a role', () => {
    expect(roleAllows('admin', 'operator')).toBe(true);
    expect(roleAllows('operator', 'operator')).toBe(true);
    expect(roleAllows('viewer', 'operator')).toBe(false);
    expect(roleAllows(undefined, 'viewer')).toBe(false);
  });
});
