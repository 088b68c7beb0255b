/** What a token may do in its tenant; each role may do what the roles before it may. */
export const ROLES = ['viewer', 'developer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** viewer: reads; developer: generate, tasks, rate, install, annotate; admin: tokens, quotas, share, publish */
export const permits = (role: Role, needs: Role): boolean => ROLES.indexOf(role) >= ROLES.indexOf(needs);
