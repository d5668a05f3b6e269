import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { basename, dirname, join, resolve } from 'node:path';
import { AppError } from '../../shared/errors';
import { Catalog, type ModelInfo } from '../../shared/models';
import type { AuditLog } from '../audit/log';
import type { Db } from '../db/open';
import { copyAndHash } from '../common/atomic-file';
import { newId, nowIso } from '../common/ids';
import type { JobContext } from '../jobs/manager';
import { downloadFile } from './download';
import { readGguf, type GgufFile } from './gguf/index.js';

interface ModelRow {
  id: string;
  name: string;
  file: string;
  storage: 'copy' | 'reference';
  sha256: string;
  size_bytes: number;
  architecture: string;
  parameters: number;
  quantization: string;
  context_length: number | null;
  layers: number | null;
  embedding_length: number | null;
  vocabulary_size: number | null;
  chat_template: string | null;
  created_at: string;
}

const toModel = (r: ModelRow): ModelInfo => ({
  id: r.id,
  name: r.name,
  file: r.file,
  storage: r.storage,
  sha256: r.sha256,
  sizeBytes: r.size_bytes,
  architecture: r.architecture,
  parameters: r.parameters,
  quantization: r.quantization,
  contextLength: r.context_length,
  layers: r.layers,
  embeddingLength: r.embedding_length,
  vocabularySize: r.vocabulary_size,
  chatTemplate: r.chat_template,
  createdAt: r.created_at,
});

/** What a GGUF says about itself: architecture, size, dominant weight type, context, template. */
export function describeGguf(f: GgufFile) {
  const meta = (k: string) => f.metadata.get(k)?.value;
  const num = (k: string) => {
    const v = meta(k);
    return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null;
  };
  const str = (k: string) => (typeof meta(k) === 'string' ? (meta(k) as string) : null);
  const arch = str('general.architecture');
  if (!arch) throw new AppError('BAD_INPUT', `${basename(f.path)} has no general.architecture: it is not a model file.`);
  if (str('general.type') === 'adapter') throw new AppError('BAD_INPUT', `${basename(f.path)} is a LoRA adapter, not a base model.`);
  let parameters = 0;
  const weightTypes = new Map<string, number>();
  for (const t of f.tensors) {
    const n = t.ne.reduce((a, b) => a * Number(b), 1);
    parameters += n;
    if (t.ne.length >= 2) weightTypes.set(t.type, (weightTypes.get(t.type) ?? 0) + n);
  }
  const quantization = [...weightTypes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
  const tokens = f.metadata.get('tokenizer.ggml.tokens');
  return {
    architecture: arch,
    parameters,
    quantization,
    contextLength: num(`${arch}.context_length`),
    layers: num(`${arch}.block_count`),
    embeddingLength: num(`${arch}.embedding_length`),
    vocabularySize: tokens && tokens.type === 'array' ? tokens.value.length : null,
    chatTemplate: str('tokenizer.chat_template'),
    name: str('general.name'),
  };
}

/** The workspace's base models: validated by our GGUF reader before anything else opens them. */
export class ModelRegistry {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly actor: string,
    private readonly modelsDir: string,
  ) {}

  async import(ctx: JobContext, input: { path: string; storage: 'copy' | 'reference'; name?: string }): Promise<ModelInfo> {
    const src = resolve(input.path);
    if (!existsSync(src)) throw new AppError('NOT_FOUND', `No file at ${src}.`);
    describeGguf(readGguf(src));
    const size = statSync(src).size;
    const id = newId('mdl');
    const dst = input.storage === 'copy' ? join(this.modelsDir, `${id}.gguf`) : null;
    ctx.progress(0, size, input.storage === 'copy' ? 'Copying and hashing' : 'Hashing');
    const sha256 = await copyAndHash(src, dst, (done) => ctx.progress(done, size), ctx.signal);
    try {
      ctx.throwIfCancelled();
      return this.register({ id, file: dst ?? src, storage: input.storage, sha256, name: input.name ?? null, source: src });
    } catch (e) {
      if (dst) rmSync(dst, { force: true });
      throw e;
    }
  }

  /** Downloads a GGUF (resumable, hash-checked), validates it, and registers the copy. */
  async download(ctx: JobContext, input: { url: string; sha256?: string; sizeBytes?: number; name?: string }): Promise<ModelInfo> {
    const id = newId('mdl');
    const target = join(this.modelsDir, `${id}.gguf`);
    const { sha256 } = await downloadFile(ctx, input, this.modelsDir, target);
    try {
      return this.register({ id, file: target, storage: 'copy', sha256, name: input.name ?? null, source: input.url });
    } catch (e) {
      rmSync(target, { force: true });
      throw e;
    }
  }

  private register(m: { id: string; file: string; storage: 'copy' | 'reference'; sha256: string; name: string | null; source: string }): ModelInfo {
    const info = describeGguf(readGguf(m.file));
    const clash = this.db.prepare('SELECT id, name FROM models WHERE sha256 = ?').get(m.sha256) as { id: string; name: string } | undefined;
    if (clash) throw new AppError('CONFLICT', `This model is already in the workspace as "${clash.name}" (${clash.id}).`);
    const row: ModelRow = {
      id: m.id,
      name: m.name ?? info.name ?? basename(m.source).replace(/\.gguf$/i, ''),
      file: m.file,
      storage: m.storage,
      sha256: m.sha256,
      size_bytes: statSync(m.file).size,
      architecture: info.architecture,
      parameters: info.parameters,
      quantization: info.quantization,
      context_length: info.contextLength,
      layers: info.layers,
      embedding_length: info.embeddingLength,
      vocabulary_size: info.vocabularySize,
      chat_template: info.chatTemplate,
      created_at: nowIso(),
    };
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO models (id, name, file, storage, sha256, size_bytes, architecture, parameters, quantization, context_length, layers,
             embedding_length, vocabulary_size, chat_template, created_at)
           VALUES (@id, @name, @file, @storage, @sha256, @size_bytes, @architecture, @parameters, @quantization, @context_length, @layers,
             @embedding_length, @vocabulary_size, @chat_template, @created_at)`,
        )
        .run(row);
      this.audit.append({ actor: this.actor, action: 'model.add', subject: m.id, details: { sha256: m.sha256, storage: m.storage, source: m.source, architecture: info.architecture } });
    })();
    return toModel(row);
  }

  list(): ModelInfo[] {
    return (this.db.prepare('SELECT * FROM models ORDER BY created_at DESC').all() as ModelRow[]).map(toModel);
  }

  get(id: string): ModelInfo {
    const row = this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No model with id ${id}.`);
    return toModel(row);
  }

  /** Removes the model; a copied file goes too, a referenced one stays where the user keeps it. */
  delete(id: string): { id: string; fileDeleted: boolean } {
    const m = this.get(id);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM models WHERE id = ?').run(id);
      this.audit.append({ actor: this.actor, action: 'model.delete', subject: id, details: { sha256: m.sha256 } });
    })();
    if (m.storage === 'copy') rmSync(m.file, { force: true });
    return { id, fileDeleted: m.storage === 'copy' };
  }
}

/** The curated catalog shipped in resources/catalog (the packaged app has it under resources). */
export function readCatalog(): z.infer<typeof Catalog> {
  const candidates = [
    process.env.DATANET_STUDIO_CATALOG,
    join(dirname(fileURLToPathSafe(import.meta.url)), '../../../resources/catalog/models.json'),
    join(process.cwd(), 'resources/catalog/models.json'),
  ].filter((x): x is string => Boolean(x));
  const file = candidates.find((c) => existsSync(c));
  if (!file) throw new AppError('NOT_FOUND', 'The model catalog is missing from this installation.');
  return Catalog.parse(JSON.parse(readFileSync(file, 'utf8')));
}

function fileURLToPathSafe(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return process.cwd();
  }
}
