import { z } from 'zod';
import { Hash32, Timestamp } from './common';
import { JobRef } from './jobs';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** What a backup folder holds; written last, so a folder without one is not a backup. */
export const BackupManifest = z.object({
  format: z.literal(1),
  createdAt: Timestamp,
  /** The workspace it was taken from: restoring elsewhere rewrites stored paths under it. */
  workspace: z.string(),
  schemaVersion: z.number().int(),
  database: z.object({ file: z.literal('studio.db'), bytes: z.number().int(), sha256: Sha256 }),
  /** Every workspace file beside the database, relative to the workspace, under files/ in the backup. */
  files: z.array(z.object({ path: z.string(), bytes: z.number().int(), sha256: Sha256 })),
  /** Models registered by reference (outside the workspace): not copied, their hash recorded. */
  external: z.array(z.object({ path: z.string(), bytes: z.number().int(), sha256: Sha256 })),
  counts: z.object({ datanets: z.number().int(), records: z.number().int(), snapshots: z.number().int(), adapters: z.number().int() }),
  audit: z.object({ entries: z.number().int(), headHash: Hash32 }),
  /** Set when the database copy is encrypted: the key it needs (files/vault.json holds it, wrapped by the passphrase of the time). */
  encrypted: z.object({ keyId: z.string().regex(/^[0-9a-f]{64}$/) }).nullable().default(null),
});
export type BackupManifest = z.infer<typeof BackupManifest>;

/** The outcome of checking a backup folder (after taking one, before and after restoring one). */
export const BackupReport = z.object({
  path: z.string(),
  ok: z.boolean(),
  manifest: BackupManifest.nullable(),
  /** Each problem names the file or check it concerns; empty when ok. */
  problems: z.array(z.string()),
  /** Referenced models that are missing or changed: the backup is intact, but those models need finding. */
  externalProblems: z.array(z.string()),
  bytes: z.number().int(),
});
export type BackupReport = z.infer<typeof BackupReport>;

export const backupMethods = {
  /**
   * A job: the database through SQLite's online backup, then every workspace file, hashed; the
   * copy is checked (integrity_check, audit chain, hashes) before the folder gets its final name.
   */
  'backup.create': { input: z.object({ destination: z.string().min(1) }).strict(), output: JobRef },
  /** A job: re-reads a backup folder and checks every hash, the database's integrity and its audit chain. */
  'backup.verify': {
    input: z.object({
      path: z.string().min(1),
      /** For an encrypted backup from another workspace (or an older key): the passphrase it was taken under. */
      passphrase: z.string().min(1).max(1024).optional(),
    }).strict(),
    output: JobRef,
  },
} as const;
