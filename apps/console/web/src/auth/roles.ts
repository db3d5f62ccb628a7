export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The same order the services use: admin ⊃ operator ⊃ viewer. */
export function roleAllows(held: Role | undefined, required: Role): boolean {
  return held !== undefined && ROLES.indexOf(held) >= ROLES.indexOf(required);
}
