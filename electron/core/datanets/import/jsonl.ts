import { basename } from 'node:path';
import { AppError } from '../../../shared/errors';
import { readLines } from './lines';
import type { RowMeta, RowSource, SourceRow } from './rows';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** OpenAI message content may be a string or a list of parts; only text parts are kept. */
function messageText(content: unknown): unknown {
  if (Array.isArray(content)) {
    return content
      .filter((p): p is Obj => isObj(p) && p.type === 'text' && typeof p.text === 'string')
      .map((p) => p.text as string)
      .join('\n');
  }
  return content;
}

const SHAREGPT_ROLES: Record<string, string> = { human: 'user', user: 'user', gpt: 'assistant', assistant: 'assistant', chatgpt: 'assistant', bing: 'assistant', system: 'system' };

/**
 * One JSONL object → record content. Recognised shapes: OpenAI chat ({messages}), ShareGPT
 * ({conversations: [{from, value}]}), Alpaca ({instruction, input?, output}), prompt/completion,
 * and plain {text}. Optional contributor, signature, nonce and license fields ride along.
 */
export function contentFromObject(o: Obj): { content?: unknown; problem?: SourceRow['problem'] } {
  if ('messages' in o) {
    if (!Array.isArray(o.messages)) return { problem: { field: 'messages', reason: 'must be an array of {role, content}' } };
    return { content: { kind: 'chat', messages: o.messages.map((m) => (isObj(m) ? { role: m.role, content: messageText(m.content) } : m)) } };
  }
  if ('conversations' in o) {
    if (!Array.isArray(o.conversations)) return { problem: { field: 'conversations', reason: 'must be an array of {from, value}' } };
    const messages = [];
    for (const [i, m] of o.conversations.entries()) {
      if (!isObj(m)) return { problem: { field: `conversations.${i}`, reason: 'must be an object with from and value' } };
      const role = SHAREGPT_ROLES[String(m.from).toLowerCase()];
      if (!role) return { problem: { field: `conversations.${i}.from`, reason: `unknown speaker ${JSON.stringify(m.from)} (expected human, gpt or system)` } };
      messages.push({ role, content: m.value });
    }
    return { content: { kind: 'chat', messages } };
  }
  if ('instruction' in o) return { content: { kind: 'instruction', instruction: o.instruction, input: o.input ?? '', response: o.output ?? o.response } };
  if ('prompt' in o && 'completion' in o) return { content: { kind: 'instruction', instruction: o.prompt, input: '', response: o.completion } };
  if ('text' in o) return { content: { kind: 'text', text: o.text } };
  return {
    problem: {
      field: null,
      reason: `unrecognised shape (keys: ${Object.keys(o).slice(0, 8).join(', ') || 'none'}); expected messages, conversations, instruction/output, prompt/completion or text`,
    },
  };
}

export const metaFrom = (o: Obj): RowMeta => ({ contributor: o.contributor, signature: o.signature, nonce: o.nonce, license: o.license });

export async function* jsonlRows(path: string, maxRowBytes: number, signal?: AbortSignal): RowSource {
  const name = basename(path);
  for await (const line of readLines(path, maxRowBytes, signal)) {
    if (line.text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.text);
    } catch (e) {
      if (!line.terminated) {
        // The file ends in the middle of a JSON value: it was cut off, not merely a bad row.
        throw new AppError('BAD_INPUT', `${name} looks truncated: its last line (${line.number}) is incomplete JSON. Nothing was imported.`);
      }
      yield { row: line.number, meta: {}, problem: { field: null, reason: `not valid JSON (${(e as Error).message})` }, bytesRead: line.bytesRead };
      continue;
    }
    if (!isObj(parsed)) {
      yield { row: line.number, meta: {}, problem: { field: null, reason: 'each line must be a JSON object' }, bytesRead: line.bytesRead };
      continue;
    }
    yield { row: line.number, ...contentFromObject(parsed), meta: metaFrom(parsed), bytesRead: line.bytesRead };
  }
}
