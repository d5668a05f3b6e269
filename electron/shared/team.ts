import { z } from 'zod';
import { Address } from './common';

/**
 * Team mode of `serve`: accounts with roles, a login over HTTPS, and a session per browser tab.
 * owner: everything; reviewer: reading and review decisions; contributor: their own records.
 */
export const TEAM_ROLES = ['owner', 'reviewer', 'contributor'] as const;
export const TeamRole = z.enum(TEAM_ROLES);
export type TeamRole = z.infer<typeof TeamRole>;

export const AccountName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1–64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit');

/** Long enough to resist guessing over the network (logins are rate-limited too). */
export const PASSWORD_MIN_CHARS = 12;
export const AccountPassword = z
  .string()
  .min(PASSWORD_MIN_CHARS, `must be at least ${PASSWORD_MIN_CHARS} characters`)
  .max(1024, 'is longer than the limit of 1024 characters');

export const NewAccount = z
  .object({ name: AccountName, role: TeamRole, address: Address.nullable().default(null), password: AccountPassword })
  .strict()
  .refine((a) => a.role !== 'contributor' || a.address !== null, {
    message: 'a contributor needs an address (--address 0x…): their records are the ones with that contributor',
    path: ['address'],
  });
export type NewAccount = z.input<typeof NewAccount>;

/** An account as listed (never its password hash). */
export const TeamAccount = z.object({ name: AccountName, role: TeamRole, address: Address.nullable(), createdAt: z.string() });
export type TeamAccount = z.infer<typeof TeamAccount>;

/** POST /api/login body. The password is not length-checked here: a wrong one is just wrong. */
export const LoginRequest = z.object({ name: z.string().max(64), password: z.string().max(1024) }).strict();
export type LoginRequest = z.infer<typeof LoginRequest>;

export const LoginResponse = z.object({ session: z.string(), name: AccountName, role: TeamRole, expiresInSeconds: z.number().int() });
export type LoginResponse = z.infer<typeof LoginResponse>;

/** GET /api/mode: whether the page must log in first. */
export const ServeMode = z.object({ mode: z.enum(['local', 'team']) });
export type ServeMode = z.infer<typeof ServeMode>;

export const LOGIN_PATH = '/api/login';
export const LOGOUT_PATH = '/api/logout';
export const MODE_PATH = '/api/mode';

/** Who the page is signed in as: null in the desktop app, the CLI and the single-user serve. */
export const TeamCaller = z.object({ name: AccountName, role: TeamRole, address: Address.nullable() }).nullable();
export type TeamCaller = z.infer<typeof TeamCaller>;

export const teamMethods = {
  'team.me': { input: z.object({}).strict(), output: TeamCaller },
  /** The accounts for serve's team mode (kept in the workspace; a running team server sees changes at once). */
  'team.listUsers': { input: z.object({}).strict(), output: z.object({ items: z.array(TeamAccount) }) },
  'team.addUser': { input: NewAccount, output: TeamAccount },
  /** Removes an account and ends its sessions on a running team server; the last owner stays. */
  'team.removeUser': { input: z.object({ name: AccountName }).strict(), output: z.object({ name: AccountName }) },
} as const;
