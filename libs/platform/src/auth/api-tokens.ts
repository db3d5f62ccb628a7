import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../config/config-error';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiPrincipal {
  /** Who, for the audit log: the token's name, or a short hash of it when unnamed. */
  name: string;
  role: Role;
}

export function roleAllows(held: Role, required: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(required);
}

const digest = (token: string) => createHash('sha256').update(token).digest();

/** `FIREBREAK_API_TOKENS`: `token:role[:name],...`. Tokens are kept only as hashes. */
export class ApiTokens {
  private constructor(private readonly entries: Array<{ hash: Buffer; principal: ApiPrincipal }>) {}

  static parse(spec: string | undefined): ApiTokens {
    if (!spec) return new ApiTokens([]);
    const problems: string[] = [];
    const entries = spec
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .flatMap((part, index) => {
        const [token, role, name] = part.split(':');
        if (!token || token.length < 8) problems.push(`FIREBREAK_API_TOKENS entry ${index + 1}: the token must be at least 8 characters`);
        if (!ROLES.includes(role as Role))
          problems.push(`FIREBREAK_API_TOKENS entry ${index + 1}: role must be one of ${ROLES.join(', ')}`);
        if (problems.length) return [];
        return [
          { hash: digest(token), principal: { role: role as Role, name: name || `token-${digest(token).toString('hex').slice(0, 8)}` } },
        ];
      });
    if (problems.length) throw new ConfigError(problems);
    return new ApiTokens(entries);
  }

  get size(): number {
    return this.entries.length;
  }

  authenticate(token: string): ApiPrincipal | undefined {
    const hash = digest(token);
    return this.entries.find((entry) => timingSafeEqual(entry.hash, hash))?.principal;
  }
}
