import { AppError } from '../../shared/errors';
import { QUANTIZABLE, dequantize, quantize, readGguf, readTensorData, writeGguf, type GgufTensorInput, type QuantizableType } from './gguf/index.js';

export const QLORA_TYPES = { q4_k: 'Q4_K', q4_0: 'Q4_0', q8_0: 'Q8_0' } as const satisfies Record<string, QuantizableType>;
export type QloraType = keyof typeof QLORA_TYPES;

/** llama.cpp's general.file_type for a model whose linear weights are mostly of this type. */
const FILE_TYPE: Record<QloraType, number> = { q4_0: 2, q8_0: 7, q4_k: 15 };

/** The weights LoRA adapts; embeddings, the output head and norms keep their precision. */
const LINEAR_WEIGHT = /^blk\.\d+\.(attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\.weight$/;

const BLOCK_SIZE: Record<QuantizableType, number> = { F32: 1, F16: 1, Q8_0: 32, Q4_0: 32, Q4_K: 256 };

/**
 * Writes a copy of a GGUF model whose linear-layer weights are quantized to `target`, for QLoRA:
 * the base stays frozen in that type while the adapter trains in F32. Tensors already of the target
 * type, or whose rows do not fill whole blocks, are copied unchanged. The whole model passes through
 * memory, so this suits models up to a few billion parameters.
 */
export function requantizeModel(src: string, dst: string, target: QloraType): { converted: number; kept: number } {
  const to = QLORA_TYPES[target];
  const file = readGguf(src);
  let converted = 0;
  const tensors: GgufTensorInput[] = file.tensors.map((t) => {
    const data = readTensorData(file, t);
    const ne = t.ne.map(Number);
    const rowLength = ne[0]!;
    const from = t.type as QuantizableType;
    const convertible = LINEAR_WEIGHT.test(t.name) && (QUANTIZABLE as readonly string[]).includes(t.type) && t.type !== to && rowLength % BLOCK_SIZE[to] === 0;
    if (!convertible) return { name: t.name, ne, type: t.type, data };
    converted++;
    const n = ne.reduce((a, b) => a * b, 1);
    return { name: t.name, ne, type: to, data: quantize(to, dequantize(from, data, n)) };
  });
  if (converted === 0) throw new AppError('BAD_INPUT', `${src}: no linear-layer weights could be quantized to ${to} (already ${to}, or of a type this app cannot convert).`);
  const metadata = new Map(file.metadata);
  metadata.set('general.file_type', { type: 'u32', value: FILE_TYPE[target] });
  writeGguf(dst, metadata, tensors);
  return { converted, kept: tensors.length - converted };
}
