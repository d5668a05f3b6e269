import { keccak256, toUtf8Bytes } from 'ethers';
import type { RecordContent } from '../../shared/datanets';
import { canonicalJson } from '../common/canonical-json';

/**
 * The canonical form of a record's content: NFC text, line endings normalised to \n, trailing
 * whitespace of each field trimmed, keys sorted. Cosmetic differences do not change the hash.
 */
export function canonicalContent(content: RecordContent): RecordContent {
  const clean = (s: string) => s.normalize('NFC').replace(/\r\n?/g, '\n').trim();
  switch (content.kind) {
    case 'text':
      return { kind: 'text', text: clean(content.text) };
    case 'instruction':
      return {
        kind: 'instruction',
        instruction: clean(content.instruction),
        input: clean(content.input),
        response: clean(content.response),
      };
    case 'chat':
      return { kind: 'chat', messages: content.messages.map((m) => ({ role: m.role, content: clean(m.content) })) };
  }
}

/** keccak256 of the canonical form's UTF-8 JSON: the hash snapshots and signatures commit to. */
export function contentHash(content: RecordContent): string {
  return keccak256(toUtf8Bytes(canonicalJson(canonicalContent(content))));
}
