/**
 * Reads what an adapter file says about itself (format fields and our provenance), through the
 * validating GGUF reader, so that an adapter can be registered or checked against its base model.
 */
import { AppError } from '../../shared/errors.js';
import { metaString, readGguf } from '../models/gguf/index.js';
import { sha256File } from './train.js';

export interface AdapterInfo {
  path: string;
  sha256: string;
  architecture: string;
  alpha: number;
  rank: number;
  /** Base tensors the adapter modifies, e.g. blk.0.attn_q.weight. */
  targets: string[];
  baseModelSha256: string | null;
  snapshotRoot: string | null;
  configHash: string | null;
  config: unknown;
  /** The same provenance fields grouped, as they are registered. */
  provenance: { baseModelSha256: string | null; snapshotRoot: string | null; configHash: string | null };
}

export async function readAdapterInfo(path: string): Promise<AdapterInfo> {
  const f = readGguf(path);
  const bad = (what: string) => new AppError('BAD_INPUT', `${path} is not a LoRA adapter: ${what}`);
  if (metaString(f, 'general.type') !== 'adapter') throw bad('general.type is not "adapter"');
  if (metaString(f, 'adapter.type') !== 'lora') throw bad('adapter.type is not "lora"');
  const alpha = f.metadata.get('adapter.lora.alpha');
  if (!alpha || alpha.type !== 'f32') throw bad('adapter.lora.alpha is missing or not FLOAT32');
  const targets = f.tensors.filter((t) => t.name.endsWith('.lora_a')).map((t) => t.name.slice(0, -'.lora_a'.length));
  const firstB = f.tensors.find((t) => t.name.endsWith('.lora_b'));
  if (!firstB || targets.length === 0) throw bad('no lora_a / lora_b tensors');
  const opt = (key: string) => {
    const v = f.metadata.get(key);
    return v && v.type === 'string' && v.value !== '' ? (v.value as string) : null;
  };
  const configText = opt('datanet.config');
  const provenance = { baseModelSha256: opt('datanet.base_model_sha256'), snapshotRoot: opt('datanet.snapshot_root'), configHash: opt('datanet.config_hash') };
  return {
    path, sha256: await sha256File(path), architecture: metaString(f, 'general.architecture'), alpha: alpha.value as number,
    rank: Number(firstB.ne[0]), targets, ...provenance, config: configText ? (JSON.parse(configText) as unknown) : null, provenance,
  };
}
