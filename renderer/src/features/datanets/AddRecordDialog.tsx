import { Tabs } from 'radix-ui';
import { Plus, Trash2 } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import type { RecordContent, RecordKind } from '../../../../electron/shared/datanets';
import { client } from '../../api';
import { Button, Dialog, Field, errorMessage, FormError } from '../../components/ui';

type Role = 'system' | 'user' | 'assistant';
const EMPTY_CHAT: { role: Role; content: string }[] = [
  { role: 'user', content: '' },
  { role: 'assistant', content: '' },
];

/** Add one record by hand: instruction/response, a chat, or plain text. Mounted fresh on each open. */
export function AddRecordDialog({ datanetId, open, onOpenChange }: { datanetId: string; open: boolean; onOpenChange(o: boolean): void }) {
  const [kind, setKind] = useState<RecordKind>('instruction');
  const [instruction, setInstruction] = useState('');
  const [input, setInput] = useState('');
  const [response, setResponse] = useState('');
  const [text, setText] = useState('');
  const [messages, setMessages] = useState(EMPTY_CHAT);
  const [contributor, setContributor] = useState('');
  const [license, setLicense] = useState('');
  const [error, setError] = useState<string | null>(null);

  const content = (): RecordContent =>
    kind === 'instruction'
      ? { kind, instruction, input, response }
      : kind === 'text'
        ? { kind, text }
        : { kind, messages };

  const submit = async (e: FormEvent, keepOpen = false) => {
    e.preventDefault();
    try {
      await client!.call('datanets.addRecord', {
        datanetId,
        content: content(),
        contributor: contributor.trim() || undefined,
        license: license.trim() || undefined,
      });
      toast.success('Record added');
      setInstruction('');
      setInput('');
      setResponse('');
      setText('');
      setMessages(EMPTY_CHAT);
      setError(null);
      if (!keepOpen) onOpenChange(false);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="Add a record" width={620}>
      <form onSubmit={(e) => void submit(e)} className="form">
        <Tabs.Root value={kind} onValueChange={(v) => setKind(v as RecordKind)}>
          <Tabs.List className="segmented" aria-label="Record kind">
            <Tabs.Trigger value="instruction">Instruction</Tabs.Trigger>
            <Tabs.Trigger value="chat">Chat</Tabs.Trigger>
            <Tabs.Trigger value="text">Text</Tabs.Trigger>
          </Tabs.List>
          <Tabs.Content value="instruction" className="tab-body">
            <Field label="Instruction">
              <textarea name="instruction" rows={3} value={instruction} onChange={(e) => setInstruction(e.target.value)} autoFocus />
            </Field>
            <Field label="Input" hint="Optional context for the instruction">
              <textarea name="input" rows={2} value={input} onChange={(e) => setInput(e.target.value)} />
            </Field>
            <Field label="Response" hint="What the model should learn to answer">
              <textarea name="response" rows={4} value={response} onChange={(e) => setResponse(e.target.value)} />
            </Field>
          </Tabs.Content>
          <Tabs.Content value="chat" className="tab-body">
            {messages.map((m, i) => (
              <div className="chat-msg-edit" key={i}>
                <select
                  aria-label={`Role of message ${i + 1}`}
                  value={m.role}
                  onChange={(e) => setMessages(messages.map((x, j) => (j === i ? { ...x, role: e.target.value as Role } : x)))}
                >
                  <option value="system">system</option>
                  <option value="user">user</option>
                  <option value="assistant">assistant</option>
                </select>
                <textarea
                  aria-label={`Message ${i + 1}`}
                  rows={2}
                  value={m.content}
                  onChange={(e) => setMessages(messages.map((x, j) => (j === i ? { ...x, content: e.target.value } : x)))}
                />
                <button
                  type="button"
                  className="icon-btn"
                  aria-label={`Remove message ${i + 1}`}
                  disabled={messages.length <= 2}
                  onClick={() => setMessages(messages.filter((_, j) => j !== i))}
                >
                  <Trash2 size={14} />
                </button>
              </div>
            ))}
            <Button
              variant="ghost"
              onClick={() => setMessages([...messages, { role: messages.at(-1)?.role === 'user' ? 'assistant' : 'user', content: '' }])}
            >
              <Plus size={14} /> Add message
            </Button>
          </Tabs.Content>
          <Tabs.Content value="text" className="tab-body">
            <Field label="Text">
              <textarea name="text" rows={8} value={text} onChange={(e) => setText(e.target.value)} />
            </Field>
          </Tabs.Content>
        </Tabs.Root>
        <div className="form-row">
          <Field label="Contributor" hint="Ethereum address; empty means you">
            <input name="contributor" value={contributor} onChange={(e) => setContributor(e.target.value)} placeholder="0x…" spellCheck={false} />
          </Field>
          <Field label="License" hint="e.g. CC-BY-4.0; empty means unspecified">
            <input name="license" value={license} onChange={(e) => setLicense(e.target.value)} />
          </Field>
        </div>
        <FormError error={error} />
        <div className="form-actions">
          <Button onClick={() => onOpenChange(false)}>Close</Button>
          <Button onClick={(e) => void submit(e, true)}>Add and next</Button>
          <Button variant="primary" type="submit">
            Add record
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
