import type { Job } from '../../shared/jobs';
import type { Core } from '../core';

/** Kinds of job a workspace starts by itself when it opens, to finish what a killed process left. */
const RECOVERY_KINDS: readonly Job['kind'][] = ['datanets.undoImport'];

/** The recovery jobs running now, which a CLI command waits for (showing their progress) before it runs. */
export async function startupRecoveryJobs(core: Core): Promise<string[]> {
  const listed = await core.call('jobs.list', {});
  if (!listed.ok) return [];
  return (listed.value as { items: Job[] }).items.filter((j) => j.state === 'running' && RECOVERY_KINDS.includes(j.kind)).map((j) => j.id);
}
