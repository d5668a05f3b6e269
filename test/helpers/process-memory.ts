import { readFileSync } from 'node:fs';

/** A process's resident memory now, in KiB (Linux /proc). */
export const vmRssKiB = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

/**
 * Resident memory once a server has had a moment to settle: the median of five samples 200 ms apart,
 * taken when no client is connected (closed sockets and their buffers released).
 */
export async function settledRss(pid: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 1000));
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(vmRssKiB(pid));
    await new Promise((r) => setTimeout(r, 200));
  }
  return samples.sort((a, b) => a - b)[2]!;
}
