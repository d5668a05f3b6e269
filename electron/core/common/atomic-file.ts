import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so that a crash leaves either the old file or the complete new one: the bytes go
 * to a temp file beside the target, are fsynced, then renamed over it, and the folder is fsynced
 * so the rename itself survives a power cut.
 */
export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    for (const chunk of chunks) {
      let off = 0;
      while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off);
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** Makes renames into `dir` durable. */
export function fsyncDir(dir: string): void {
  try {
    const dfd = openSync(dir, 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename has still happened.
  }
}

/**
 * Streams `src` to `dst` atomically (temp file beside it, fsync, rename) while hashing it, or only
 * hashes it when `dst` is null. Reports bytes done; an aborted signal removes the temp file.
 */
export async function copyAndHash(
  src: string,
  dst: string | null,
  onProgress: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  const hash = createHash('sha256');
  const tmp = dst ? join(dirname(dst), `.${basename(dst)}.${process.pid}.${Date.now()}.tmp`) : null;
  const fd = tmp ? openSync(tmp, 'w', 0o600) : null;
  let done = 0;
  try {
    for await (const chunk of createReadStream(src, { highWaterMark: 4 << 20, signal })) {
      const b = chunk as Buffer;
      hash.update(b);
      if (fd !== null) {
        let off = 0;
        while (off < b.length) off += writeSync(fd, b, off, b.length - off);
      }
      done += b.length;
      onProgress(done);
    }
    if (fd !== null) fsyncSync(fd);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    if (tmp) rmSync(tmp, { force: true });
    throw e;
  }
  if (fd !== null && tmp && dst) {
    closeSync(fd);
    renameSync(tmp, dst);
  }
  return hash.digest('hex');
}
