import type { RecordContent } from '../../shared/datanets';

export interface ContentField {
  /** "text", "instruction", "input", "response", "messages.2.content". */
  path: string;
  text: string;
}

/** The text fields of a record, each with the path PII spans and redactions refer to. */
export function contentFields(content: RecordContent): ContentField[] {
  switch (content.kind) {
    case 'text':
      return [{ path: 'text', text: content.text }];
    case 'instruction':
      return [
        { path: 'instruction', text: content.instruction },
        ...(content.input ? [{ path: 'input', text: content.input }] : []),
        { path: 'response', text: content.response },
      ];
    case 'chat':
      return content.messages.map((m, i) => ({ path: `messages.${i}.content`, text: m.content }));
  }
}

/** A copy of the content with some fields' text replaced. */
export function withFields(content: RecordContent, replaced: Map<string, string>): RecordContent {
  const pick = (path: string, text: string) => replaced.get(path) ?? text;
  switch (content.kind) {
    case 'text':
      return { kind: 'text', text: pick('text', content.text) };
    case 'instruction':
      return {
        kind: 'instruction',
        instruction: pick('instruction', content.instruction),
        input: pick('input', content.input),
        response: pick('response', content.response),
      };
    case 'chat':
      return { kind: 'chat', messages: content.messages.map((m, i) => ({ role: m.role, content: pick(`messages.${i}.content`, m.content) })) };
  }
}

/** All the record's text in one string (dedupe works on this). */
export const contentText = (content: RecordContent) => contentFields(content).map((f) => f.text).join('\n');
