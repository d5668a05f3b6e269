import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { createInflateRaw } from 'node:zlib';
import { IMPORT_LIMITS } from '../../../shared/curation';
import { AppError } from '../../../shared/errors';
import { startWorker } from '../../common/worker';
import type { DocumentJob, DocumentWorkerMessage } from './document-worker';
import { chunkText } from './chunk';
import { readLines } from './lines';
import type { RowSource } from './rows';

/** TXT and Markdown: read as UTF-8 (refusing anything else), then chunked. */
export async function* proseRows(path: string, markdown: boolean, chunkChars: number, signal?: AbortSignal): RowSource {
  const lines: string[] = [];
  let bytesRead = 0;
  for await (const line of readLines(path, IMPORT_LIMITS.rowBytes * 16, signal)) {
    lines.push(line.text);
    bytesRead = line.bytesRead;
  }
  let row = 0;
  for (const chunk of chunkText(lines.join('\n'), chunkChars, markdown)) yield { row: ++row, content: { kind: 'text', text: chunk }, meta: {}, bytesRead };
}

/** Limits of the worker that parses one PDF or DOCX; every field is optional. */
export interface DocumentParseOptions {
  /** Its heap (V8 old generation), MiB. */
  heapMb?: number;
  /** Its stack, MiB. */
  stackMb?: number;
  /** Wall-clock time for one file, from handing it to the worker (a new worker's start included) to its last page, ms. */
  timeLimitMs?: number;
  /** The worker entry (else DATANET_DOCUMENT_WORKER, else document-worker beside this module). */
  workerPath?: string;
  /** Called with the worker that parses the file (tests watch it end). */
  onWorker?: (worker: Worker) => void;
}

/** The defaults; DATANET_DOCUMENT_HEAP_MB and DATANET_DOCUMENT_TIME_LIMIT_MS override them for a host. */
export const DOCUMENT_PARSE_LIMITS = { heapMb: 1024, stackMb: 4, timeLimitMs: 60_000 } as const;

/** PDF: text per page, parsed in a limited worker (document-worker.ts), chunked; the row is the page. */
export async function* pdfRows(path: string, chunkChars: number, signal?: AbortSignal, options: DocumentParseOptions = {}): RowSource {
  const data = await readFile(path);
  const size = data.length;
  for await (const part of parseInWorker('pdf', basename(path), data, options, signal)) {
    const page = part.page ?? 1;
    const pages = part.pages ?? 1;
    for (const chunk of chunkText(part.text, chunkChars, false)) yield { row: page, content: { kind: 'text', text: chunk }, meta: {}, bytesRead: Math.round((size * page) / pages) };
  }
}

/** One entry of a ZIP's central directory, as declared there. */
export interface ZipEntryInfo {
  name: string;
  /** 0 stored, 8 deflated (the two a DOCX uses). */
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/**
 * The entries a ZIP's central directory declares, read without inflating anything. A directory
 * that is cut short or damaged is refused as not a valid DOCX.
 */
export function zipEntries(buf: Buffer, name: string): ZipEntryInfo[] {
  const eocdMin = 22;
  let eocd = -1;
  for (let i = buf.length - eocdMin; i >= Math.max(0, buf.length - eocdMin - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new AppError('BAD_INPUT', `${name} is not a complete ZIP archive (no end-of-directory record), so it is not a valid DOCX.`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntryInfo[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) throw new AppError('BAD_INPUT', `${name} has a damaged ZIP directory, so it is not a valid DOCX.`);
    const nameLength = buf.readUInt16LE(at + 28);
    const entry: ZipEntryInfo = {
      name: buf.toString('utf8', at + 46, Math.min(buf.length, at + 46 + nameLength)),
      method: buf.readUInt16LE(at + 10),
      compressedSize: buf.readUInt32LE(at + 20),
      uncompressedSize: buf.readUInt32LE(at + 24),
      localHeaderOffset: buf.readUInt32LE(at + 42),
    };
    if (entry.uncompressedSize === 0xffffffff || entry.compressedSize === 0xffffffff) {
      throw new AppError('BAD_INPUT', `${name} contains a part larger than 4 GB (ZIP64); refused.`);
    }
    entries.push(entry);
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return entries;
}

/**
 * How many times its compressed size a part may declare. Word's XML deflates 5 to 20-fold; a
 * thousandfold (deflate's most) is runs of one byte, which only a zip bomb holds.
 */
export const DOCX_MAX_RATIO = 100;
/** Parts that expand to less than this are not held to the ratio: small parts compress oddly. */
const RATIO_FLOOR_BYTES = 1024 ** 2;

const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MB`;
const bombRefusal = (message: string) => new AppError('BAD_INPUT', `${message}; refused as a possible zip bomb.`);

/**
 * Refuses a zip bomb before the parser inflates anything (mammoth, through JSZip, inflates every
 * part in JavaScript: a bomb used to take 25 to 35 s to fail). From the directory alone: the
 * total declared size against the limit, and each part's declared expansion against
 * DOCX_MAX_RATIO. A directory may lie about sizes, so each deflated part is then inflated
 * natively, its output counted and thrown away, and stopped at the first byte past what the
 * directory declares: the work is bounded by the declared sizes, which the checks above bounded.
 */
export async function refuseZipBomb(buf: Buffer, name: string, signal?: AbortSignal): Promise<void> {
  const entries = zipEntries(buf, name);
  const expanded = entries.reduce((sum, e) => sum + e.uncompressedSize, 0);
  if (expanded > IMPORT_LIMITS.docxUncompressedBytes) {
    throw bombRefusal(`${name} would expand to ${mb(expanded)}, over the limit of ${IMPORT_LIMITS.docxUncompressedBytes / 1024 ** 2} MB for a DOCX`);
  }
  for (const e of entries) {
    if (e.uncompressedSize > RATIO_FLOOR_BYTES && e.uncompressedSize > e.compressedSize * DOCX_MAX_RATIO) {
      const fold = Math.round(e.uncompressedSize / Math.max(1, e.compressedSize));
      throw bombRefusal(`${name}: its part ${e.name} would expand ${fold}-fold (to ${mb(e.uncompressedSize)} from ${(e.compressedSize / 1024).toFixed(0)} KB), more than a document does`);
    }
  }
  for (const e of entries) {
    const at = e.localHeaderOffset;
    if (at + 30 > buf.length || buf.readUInt32LE(at) !== 0x04034b50) throw new AppError('BAD_INPUT', `${name}: the ZIP directory points ${e.name} at no local header, so it is not a valid DOCX.`);
    const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
    const data = buf.subarray(start, start + e.compressedSize);
    if (e.method === 0 && data.length !== e.uncompressedSize) {
      throw bombRefusal(`${name}: its stored part ${e.name} holds ${data.length} bytes, its ZIP directory declares ${e.uncompressedSize}`);
    }
    if (e.method === 8 && (await inflatesPast(data, e.uncompressedSize, signal))) {
      throw bombRefusal(`${name}: its part ${e.name} inflates to more than the ${e.uncompressedSize} bytes its ZIP directory declares`);
    }
  }
}

/** Whether raw deflate `data` inflates to more than `limit` bytes; stops as soon as it does. Damaged data is left to the parser to report. */
async function inflatesPast(data: Buffer, limit: number, signal?: AbortSignal): Promise<boolean> {
  const inflate = createInflateRaw();
  let bytes = 0;
  inflate.end(data);
  try {
    for await (const chunk of inflate) {
      if (signal?.aborted) throw new AppError('CANCELLED', 'Reading the DOCX was cancelled.');
      bytes += (chunk as Buffer).length;
      if (bytes > limit) return true;
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'CANCELLED') throw e;
    return false;
  } finally {
    inflate.destroy();
  }
  return false;
}

/** DOCX: raw text, after the zip-bomb checks, parsed in a limited worker (document-worker.ts); chunked. */
export async function* docxRows(path: string, chunkChars: number, signal?: AbortSignal, options: DocumentParseOptions = {}): RowSource {
  const name = basename(path);
  const buf = await readFile(path);
  const size = buf.length;
  await refuseZipBomb(buf, name, signal);
  let row = 0;
  for await (const part of parseInWorker('docx', name, buf, options, signal)) {
    for (const chunk of chunkText(part.text, chunkChars, false)) yield { row: ++row, content: { kind: 'text', text: chunk }, meta: {}, bytesRead: size };
  }
}

type DocumentText = Extract<DocumentWorkerMessage, { type: 'text' }>;

/** How long a parser that finished a file waits for the next one before it is ended. */
const IDLE_MS = 15_000;

/** At most one parser waits between files (unref'd: it keeps no process alive). */
let idle: { key: string; worker: Worker; timer: NodeJS.Timeout } | null = null;

function takeWorker(path: string, heapMb: number, stackMb: number): { worker: Worker; key: string } {
  const key = JSON.stringify([path, heapMb, stackMb]);
  if (idle?.key === key) {
    const { worker, timer } = idle;
    idle = null;
    clearTimeout(timer);
    worker.ref();
    return { worker, key };
  }
  const worker = startWorker(path, { workerData: {}, resourceLimits: { maxOldGenerationSizeMb: heapMb, stackSizeMb: stackMb }, stdout: false, stderr: false });
  // A waiting parser that dies is simply forgotten (a file in progress has its own listeners).
  worker.on('error', () => {});
  worker.on('exit', () => {
    if (idle?.worker === worker) {
      clearTimeout(idle.timer);
      idle = null;
    }
  });
  return { worker, key };
}

function putBack(worker: Worker, key: string) {
  if (idle) void idle.worker.terminate();
  worker.unref();
  const timer = setTimeout(() => void worker.terminate(), IDLE_MS);
  timer.unref();
  idle = { key, worker, timer };
}

/**
 * Parses one document in a worker thread with a heap and stack limit, and yields the text it
 * posts back. The worker is terminated at the time limit, when `signal` aborts, when the
 * consumer stops early and when it crashes or runs out of memory; each ends in an error naming
 * the file. A worker that finished the file (or refused it) waits for the next one.
 */
async function* parseInWorker(kind: 'pdf' | 'docx', name: string, data: Buffer, options: DocumentParseOptions, signal?: AbortSignal): AsyncGenerator<DocumentText> {
  const heapMb = options.heapMb ?? envNumber('DATANET_DOCUMENT_HEAP_MB') ?? DOCUMENT_PARSE_LIMITS.heapMb;
  const timeLimitMs = options.timeLimitMs ?? envNumber('DATANET_DOCUMENT_TIME_LIMIT_MS') ?? DOCUMENT_PARSE_LIMITS.timeLimitMs;
  const cancelled = () => new AppError('CANCELLED', `Reading ${name} was cancelled.`);
  if (signal?.aborted) throw cancelled();
  const path = options.workerPath ?? process.env.DATANET_DOCUMENT_WORKER ?? besideThisModule();
  if (!existsSync(path)) throw new AppError('NOT_AVAILABLE', `The document parser ${path} is missing, so ${name} cannot be read.`);
  const { worker, key } = takeWorker(path, heapMb, options.stackMb ?? DOCUMENT_PARSE_LIMITS.stackMb);
  options.onWorker?.(worker);

  const parts: DocumentText[] = [];
  let next = 0;
  let outcome: 'done' | 'refused' | 'stopped' | null = null;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  /** Ends the file with an error; a worker that is not known to be idle is terminated. */
  const fail = (e: Error, workerIsIdle = false) => {
    if (outcome) return;
    outcome = workerIsIdle ? 'refused' : 'stopped';
    failure = e;
    if (!workerIsIdle) void worker.terminate();
    notify();
  };
  const onMessage = (m: DocumentWorkerMessage) => {
    if (m.type === 'text') parts.push(m);
    else if (m.type === 'done') outcome ??= 'done';
    else fail(m.appError ? new AppError(m.code, m.message) : Object.assign(new Error(m.message), { name: m.name }), true);
    notify();
  };
  const onError = (e: Error & { code?: string }) =>
    fail(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new AppError('BAD_INPUT', `${name}: parsing ran out of memory (limit ${heapMb} MiB)`) : e);
  const onExit = (code: number) => fail(new AppError('INTERNAL', `${name}: the document parser stopped unexpectedly (exit code ${code}).`));
  const onAbort = () => fail(cancelled());
  worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => fail(new AppError('BAD_INPUT', `${name}: parsing stopped after ${duration(timeLimitMs)} (time limit)`)), timeLimitMs);
  // The file's bytes move to the worker without a copy when the buffer holds nothing else.
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const ownsBuffer = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
  worker.postMessage({ kind, name, data: bytes } satisfies DocumentJob, ownsBuffer ? [data.buffer as ArrayBuffer] : []);
  try {
    for (;;) {
      // The worker's own refusal comes after the text it sent before; the other ends cut in at once.
      if (failure && (outcome !== 'refused' || next >= parts.length)) throw failure;
      if (next < parts.length) {
        const part = parts[next]!;
        parts[next++] = undefined as unknown as DocumentText;
        yield part;
      } else if (outcome === 'done') {
        return;
      } else {
        await new Promise<void>((r) => (wake = r));
      }
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    // A consumer that stopped reading early leaves the worker busy: it is ended, not reused.
    if (outcome === 'done' || outcome === 'refused') putBack(worker, key);
    else void worker.terminate();
  }
}

const duration = (ms: number) => (ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`);

function envNumber(name: string): number | undefined {
  const v = Number(process.env[name]);
  return process.env[name] && Number.isFinite(v) && v > 0 ? v : undefined;
}

/**
 * document-worker beside this module: the .ts source under tsx; in a CJS bundle (out/main, where
 * import.meta.url is undefined) the document-worker.cjs that scripts/build-electron.mjs emits.
 */
function besideThisModule(): string {
  if (!import.meta.url) return join(__dirname, 'document-worker.cjs');
  const self = fileURLToPath(import.meta.url);
  return join(dirname(self), `document-worker${extname(self)}`);
}

export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AppError('NOT_FOUND', code === 'ENOENT' ? `No file at ${path}.` : `Cannot read ${path}: ${(e as Error).message}`);
  }
}
