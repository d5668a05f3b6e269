import type { TeamAccount } from '../../shared/team';
import { required, secret, str, UsageError, type Command } from './args';

const accountLine = (a: TeamAccount) => `${a.name.padEnd(20)} ${a.role.padEnd(12)} ${a.address ?? '-'}  (since ${a.createdAt})`;

export const TEAM_COMMANDS: Command[] = [
  {
    name: 'team add-user',
    usage: 'team add-user --name N --role owner|reviewer|contributor [--address 0x…] --password-file F',
    summary: "Add an account for serve's team mode (a contributor needs --address: their records are those with that contributor); the password is the first line of F or $DATANET_STUDIO_TEAM_PASSWORD",
    options: { name: { type: 'string' }, role: { type: 'string' }, address: { type: 'string' }, 'password-file': { type: 'string' } },
    request: ({ values }) => {
      const password = secret(values, 'password-file', 'DATANET_STUDIO_TEAM_PASSWORD');
      if (password === null) throw new UsageError('give the password with --password-file FILE (first line) or $DATANET_STUDIO_TEAM_PASSWORD');
      return { method: 'team.addUser', input: { name: required(values, 'name'), role: required(values, 'role') as TeamAccount['role'], address: str(values, 'address') ?? null, password } };
    },
    human: (v) => `Added ${accountLine(v as TeamAccount)}`,
  },
  {
    name: 'team list-users',
    usage: 'team list-users',
    summary: "The accounts of serve's team mode (never their passwords)",
    request: () => ({ method: 'team.listUsers', input: {} }),
    human: (v) => {
      const items = (v as { items: TeamAccount[] }).items;
      return items.length ? items.map(accountLine).join('\n') : 'No accounts yet: add an owner with team add-user --role owner.';
    },
  },
  {
    name: 'team remove-user',
    usage: 'team remove-user --name N',
    summary: 'Remove an account (its sessions on a running team server end at their next call); the last owner cannot be removed',
    options: { name: { type: 'string' } },
    request: ({ values }) => ({ method: 'team.removeUser', input: { name: required(values, 'name') } }),
    human: (v) => `Removed ${(v as { name: string }).name}.`,
  },
];
