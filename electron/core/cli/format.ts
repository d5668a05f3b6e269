/** A plain left-aligned text table for terminals. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function progressLine(done: number, total: number | null, unit: string, etaMs: number | null, width = 30): string {
  if (total === null || total === 0) return `${done} ${unit}`;
  const frac = Math.min(1, done / total);
  const filled = Math.round(frac * width);
  const eta = etaMs === null ? '' : ` ETA ${formatDuration(etaMs)}`;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total} ${unit}${eta}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** "2026-11-22 03:19:57" from an ISO timestamp: compact, sortable, UTC. */
export const shortTime = (iso: string) => iso.slice(0, 19).replace('T', ' ');
