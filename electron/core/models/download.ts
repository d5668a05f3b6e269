import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/errors';
import type { JobContext } from '../jobs/manager';
import { outboundFetch } from '../net/outbound';

export interface DownloadRequest {
  url: string;
  /** When given, a file whose hash differs is refused and removed. */
  sha256?: string;
  sizeBytes?: number;
}

/** Network drops are resumed from where they stopped, this many times per job. */
const ATTEMPTS = 4;

const partName = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 24);

async function hashPrefix(path: string): Promise<{ hash: ReturnType<typeof createHash>; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const c of createReadStream(path)) {
    hash.update(c as Buffer);
    bytes += (c as Buffer).length;
  }
  return { hash, bytes };
}

/**
 * Downloads a file into `dir/.partial/`, resuming with HTTP Range after a dropped connection (and
 * across jobs: a cancelled or failed download continues next time), hashing as it goes, then
 * checks the size and sha256 and moves the file to `target` (fsync, rename). A wrong hash removes
 * the partial file, so a corrupted download is never kept or resumed.
 */
export async function downloadFile(ctx: JobContext, req: DownloadRequest, dir: string, target: string): Promise<{ sha256: string; bytes: number }> {
  const partialDir = join(dir, '.partial');
  mkdirSync(partialDir, { recursive: true, mode: 0o700 });
  const part = join(partialDir, `${partName(req.url)}.part`);
  const meta = `${part}.json`;
  let validator: string | null = existsSync(meta) && existsSync(part) ? ((JSON.parse(readFileSync(meta, 'utf8')) as { validator: string | null }).validator ?? null) : null;
  let total = req.sizeBytes ?? null;
  let lastError: Error | null = null;

  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    ctx.throwIfCancelled();
    const { hash, bytes: have } = existsSync(part) ? await hashPrefix(part) : { hash: createHash('sha256'), bytes: 0 };
    let res: Response;
    try {
      res = await outboundFetch(req.url, {
        purpose: 'model download',
        signal: ctx.signal,
        headers: have > 0 ? { Range: `bytes=${have}-`, ...(validator ? { 'If-Range': validator } : {}) } : {},
      });
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      lastError = e as Error;
      await new Promise((r) => setTimeout(r, 200 * attempt));
      continue;
    }
    if (res.status === 416 && have > 0 && total !== null && have >= total) {
      // Already complete.
    } else if (!res.ok) {
      throw new AppError('BAD_INPUT', `The server answered ${res.status} ${res.statusText} for ${req.url}.`);
    }
    const resumed = res.status === 206;
    const fd = openSync(part, resumed ? 'a' : 'w', 0o600);
    let done = resumed ? have : 0;
    const runHash = resumed ? hash : createHash('sha256');
    const length = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(length)) total = done + length;
    validator = res.headers.get('etag') ?? res.headers.get('last-modified');
    writeFileSync(meta, JSON.stringify({ url: req.url, validator }), { mode: 0o600 });
    ctx.progress(done, total, resumed ? `Resuming at ${(done / 2 ** 20).toFixed(1)} MiB` : 'Downloading');
    try {
      if (res.status !== 416 && res.body) {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          let off = 0;
          while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
          runHash.update(chunk);
          done += chunk.length;
          ctx.progress(done, total);
        }
      }
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      if (ctx.signal.aborted) throw e;
      lastError = e as Error;
      continue;
    }
    closeSync(fd);
    if (total !== null && done < total) {
      lastError = new Error(`the connection closed at ${done} of ${total} bytes`);
      continue;
    }
    const sha256 = runHash.digest('hex');
    if (req.sizeBytes !== undefined && done !== req.sizeBytes) {
      rmSync(part, { force: true });
      rmSync(meta, { force: true });
      throw new AppError('BAD_INPUT', `The download is ${done} bytes, not the expected ${req.sizeBytes}; it was removed.`);
    }
    if (req.sha256 && sha256 !== req.sha256.toLowerCase()) {
      rmSync(part, { force: true });
      rmSync(meta, { force: true });
      throw new AppError('BAD_INPUT', `The download's sha256 is ${sha256}, not the expected ${req.sha256}: it is corrupted or not the file you meant, and was removed.`);
    }
    renameSync(part, target);
    rmSync(meta, { force: true });
    return { sha256, bytes: statSync(target).size };
  }
  throw new AppError('STORAGE', `The download stopped ${ATTEMPTS} times (${lastError?.message ?? 'unknown error'}); run it again to resume from where it stopped.`);
}
