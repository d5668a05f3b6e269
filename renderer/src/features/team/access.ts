import { SECTIONS } from '../../../../electron/shared/app';
import type { MethodName } from '../../../../electron/shared/contract';
import type { TeamCaller } from '../../../../electron/shared/team';
import { SECTION_ENTRY, mayCall } from '../../../../electron/shared/team-policy';
import { useApp } from '../../store/app';

/** Whether the signed-in team user may make a call (the server checks it again); everyone else may. */
export const mayUse = (caller: TeamCaller | undefined, method: MethodName) => !caller || mayCall(caller.role, method);

/** The sections a caller can use, in the sidebar's order. */
export const sectionsFor = (caller: TeamCaller | undefined) => SECTIONS.filter((s) => mayUse(caller, SECTION_ENTRY[s.id]));

/** mayUse for the page's own caller. */
export function useMay(): (method: MethodName) => boolean {
  const caller = useApp((s) => s.caller);
  return (method) => mayUse(caller, method);
}
