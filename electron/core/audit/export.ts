/**
 * The audit log as one JSON file for a compliance officer: every entry, the rule its hash follows,
 * and the app's verification; and a check of such a file that needs nothing but the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AuditExport, type AuditEntry, type AuditVerification } from '../../shared/audit';
import { AppError } from '../../shared/errors';
import { writeFileAtomic } from '../common/atomic-file';
import { nowIso } from '../common/ids';
import { describeIssues } from '../rpc/router';
import { GENESIS_HASH, checkLink, type AuditLog } from './log';

export const HASH_RULE =
  'hash = "0x" + hex(sha256(utf8(canonical JSON of {seq, at, actor, action, subject, details, prevHash}))), canonical JSON having ' +
  'object keys sorted and no whitespace; prevHash is the previous entry\'s hash, and 0x followed by 64 zeros for entry 1.';

/** Verifies entries in order, as the app does over its database. */
export function verifyEntries(entries: readonly AuditEntry[]): AuditVerification {
  let prev = { seq: 0, hash: GENESIS_HASH };
  for (const e of entries) {
    const reason = checkLink(prev, e);
    if (reason) return { ok: false, checked: prev.seq, firstBad: { seq: e.seq, reason }, headHash: prev.hash };
    prev = { seq: e.seq, hash: e.hash };
  }
  return { ok: true, checked: entries.length, firstBad: null, headHash: prev.hash };
}

export async function exportAuditLog({ audit, workspace, path, progress, signal }: {
  audit: AuditLog; workspace: string; path: string; progress(done: number, total: number | null, message?: string): void; signal?: AbortSignal;
}): Promise<AuditExport & { path: string }> {
  const target = resolve(path);
  if (existsSync(target)) throw new AppError('CONFLICT', `${target} already exists: choose a new file name for the export.`);
  const total = audit.count();
  const entries: AuditEntry[] = [];
  const after = (seq: number) => {
    try {
      return audit.entriesAfter(seq, 1000);
    } catch (e) {
      throw new AppError('CONFLICT', `An audit entry after entry ${seq} cannot be read (${(e as Error).message}); \`audit verify\` names it. Nothing was exported.`);
    }
  };
  for (let batch = after(0); batch.length; batch = after(entries.at(-1)!.seq)) {
    entries.push(...batch);
    progress(entries.length, total, 'Reading and checking entries');
    await new Promise((r) => setImmediate(r));
    if (signal?.aborted) throw new AppError('CANCELLED', 'Audit export cancelled.');
  }
  const file: AuditExport = { format: 'datanet-audit-export/1', exportedAt: nowIso(), workspace, hashRule: HASH_RULE, entries, verification: verifyEntries(entries) };
  writeFileAtomic(target, [Buffer.from(JSON.stringify(file, null, 1))]);
  return { ...file, path: target };
}

/** Checks an exported file from its own contents; says which entry breaks the chain. */
export function verifyAuditExport(path: string): AuditVerification {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(resolve(path), 'utf8'));
  } catch (e) {
    throw new AppError('BAD_INPUT', `${path}: not a readable JSON file (${(e as Error).message}).`);
  }
  const parsed = AuditExport.safeParse(raw);
  if (!parsed.success) throw new AppError('BAD_INPUT', `${path}: not an audit export: ${describeIssues(parsed.error)}`);
  const found = verifyEntries(parsed.data.entries);
  const recorded = parsed.data.verification;
  // The chain alone cannot show entries cut from its end; the file's own verification can.
  if (found.ok && recorded.ok && (found.checked !== recorded.checked || found.headHash !== recorded.headHash)) {
    return {
      ...found,
      ok: false,
      firstBad: { seq: found.checked + 1, reason: `the file holds ${found.checked} entries, but its own verification names ${recorded.checked} ending at ${recorded.headHash}: entries were cut from the end, or the verification was edited` },
    };
  }
  return found;
}
