import { Fingerprint, MessageSquarePlus, Send, Square } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { toast } from 'sonner';
import type { Conversation, ConversationMessage } from '../../../../electron/shared/conversations';
import type { ChatAnswer } from '../../../../electron/shared/inference';
import type { ModelInfo } from '../../../../electron/shared/models';
import { PROPOSAL_FEEDBACK_STATES, type Proposal } from '../../../../electron/shared/proposals';
import type { Adapter } from '../../../../electron/shared/training';
import { client } from '../../api';
import { Button, EmptyState, PageHeader, errorMessage } from '../../components/ui';
import { useApp } from '../../store/app';
import { AttributionPanel, type AttributionSource } from '../attribution/AttributionPanel';
import { AnswerFeedback } from './AnswerFeedback';

type Side = 'base' | 'adapter';
interface Turn {
  user: string;
  answers: Partial<Record<Side, ConversationMessage>>;
}

function turnsOf(messages: ConversationMessage[]): Turn[] {
  const turns: Turn[] = [];
  for (const m of messages) {
    if (m.role === 'user') turns.push({ user: m.content, answers: {} });
    else if (m.role === 'assistant' && turns.length) turns.at(-1)!.answers[m.side ?? 'base'] = m;
  }
  return turns;
}

/** What one side has seen: every question, and that side's own answers. */
const historyFor = (messages: ConversationMessage[], side: Side) =>
  messages.filter((m) => m.role !== 'assistant' || (m.side ?? 'base') === side).map((m) => ({ role: m.role, content: m.content }));

/** Chat with a base model and an adapter, side by side if you like; conversations are kept in the workspace. */
export function PlaygroundScreen() {
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [adapters, setAdapters] = useState<Adapter[]>([]);
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [current, setCurrent] = useState<Omit<Conversation, 'createdAt' | 'updatedAt' | 'id'> & { id?: string }>({
    title: 'New conversation',
    modelId: null,
    adapterId: null,
    compare: true,
    messages: [],
  });
  const [input, setInput] = useState('');
  const [pending, setPending] = useState<Partial<Record<Side, string>>>({});
  const jobs = useApp((s) => s.jobs);
  const done = useRef(new Set<string>());
  const [attributing, setAttributing] = useState<AttributionSource | null>(null);
  // Proposals that take feedback now, and the one ratings go to ('' for none, null until chosen).
  const [proposals, setProposals] = useState<Proposal[]>([]);
  const [feedbackTo, setFeedbackTo] = useState<string | null>(null);

  useEffect(() => {
    void client?.call('models.list', {}).then((r) => {
      setModels(r.items);
      setCurrent((c) => (c.modelId || !r.items[0] ? c : { ...c, modelId: r.items[0].id }));
    });
    void client?.call('training.listAdapters', {}).then((r) => setAdapters(r.items));
    void client?.call('conversations.list', {}).then((r) => setConversations(r.items));
    void client
      ?.call('proposals.list', {})
      .then((r) => setProposals(r.items.filter((p) => PROPOSAL_FEEDBACK_STATES.includes(p.state))))
      .catch((e: unknown) => toast.error(`Proposals: ${errorMessage(e)}`));
  }, []);

  // Until one is chosen, ratings go to the proposal whose adapter is being talked to, else to the first that takes feedback.
  const feedbackProposal =
    feedbackTo === ''
      ? null
      : (proposals.find((p) => p.id === feedbackTo) ??
        proposals.find((p) => current.adapterId !== null && p.adapterId === current.adapterId) ??
        proposals[0] ??
        null);

  // When a side's job finishes, its answer joins the conversation, which is saved once all are in.
  useEffect(() => {
    const finished = (Object.entries(pending) as [Side, string][]).filter(([, id]) => jobs[id] && jobs[id]!.state !== 'running' && !done.current.has(id));
    if (finished.length === 0) return;
    let messages = current.messages;
    const still = { ...pending };
    for (const [side, id] of finished) {
      done.current.add(id);
      delete still[side];
      const job = jobs[id]!;
      // A stopped answer keeps what was generated (the job is cancelled but carries the text).
      const r = job.result as ChatAnswer | null;
      if (r && (job.state === 'succeeded' || job.state === 'cancelled')) {
        messages = [...messages, { role: 'assistant', content: r.text, side, tokensPerSecond: r.tokensPerSecond, ...(r.stopped ? { stopped: true } : {}) }];
      } else if (job.state !== 'cancelled') toast.error(`${side === 'base' ? 'Base model' : 'Adapter'}: ${job.error?.message ?? job.state}`);
    }
    const next = { ...current, messages };
    setCurrent(next);
    setPending(still);
    if (Object.keys(still).length === 0) {
      void client!.call('conversations.save', next).then((saved) => {
        setCurrent(saved);
        setConversations((cs) => [saved, ...cs.filter((c) => c.id !== saved.id)]);
      });
    }
  }, [jobs, pending, current]);

  const send = async () => {
    const text = input.trim();
    if (!text || Object.keys(pending).length) return;
    if (!current.modelId && !current.adapterId) return toast.error('Choose a model first (add one in Models).');
    const messages: ConversationMessage[] = [...current.messages, { role: 'user', content: text }];
    const title = current.messages.length === 0 ? text.slice(0, 60) : current.title;
    setCurrent({ ...current, title, messages });
    setInput('');
    const sides: Side[] = current.adapterId ? (current.compare && current.modelId ? ['base', 'adapter'] : ['adapter']) : ['base'];
    const started: Partial<Record<Side, string>> = {};
    try {
      for (const side of sides) {
        const model = side === 'adapter' ? { adapterId: current.adapterId!, ...(current.modelId ? { modelId: current.modelId } : {}) } : { modelId: current.modelId! };
        started[side] = (await client!.call('inference.chat', { ...model, messages: historyFor(messages, side), maxTokens: 256, temperature: 0.7 })).jobId;
      }
    } catch (e) {
      toast.error(errorMessage(e));
    }
    setPending(started);
  };

  /** Which records and contributors an adapter's answer came from, in the panel beside the chat. */
  const attribute = async (prompt: string, answer: string) => {
    if (!current.adapterId) return;
    try {
      setAttributing(await client!.call('attribution.attribute', { adapterId: current.adapterId, prompt, answer, source: 'playground' }));
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const turns = turnsOf(current.messages);
  const sides: Side[] = current.adapterId && current.compare && current.modelId ? ['base', 'adapter'] : [current.adapterId ? 'adapter' : 'base'];
  const label = (side: Side) =>
    side === 'base' ? (models.find((m) => m.id === current.modelId)?.name ?? 'Base model') : `Adapter ${current.adapterId ?? ''}`;

  if (models.length === 0 && adapters.length === 0) {
    return (
      <div className="page">
        <PageHeader title="Playground" subtitle="Chat with a base model and its adapters." />
        <EmptyState title="No model to talk to yet">
          <p>Add a base model in Models (a GGUF file), or train an adapter in Train, then come back here.</p>
        </EmptyState>
      </div>
    );
  }
  return (
    <div className="page page-split playground">
      <PageHeader
        title="Playground"
        subtitle="Ask the base model and an adapter the same question; conversations are kept in this workspace."
        actions={
          <Button onClick={() => setCurrent({ title: 'New conversation', modelId: current.modelId, adapterId: current.adapterId, compare: current.compare, messages: [] })}>
            <MessageSquarePlus size={14} /> New conversation
          </Button>
        }
      />
      <div className="toolbar">
        <select aria-label="Base model" value={current.modelId ?? ''} onChange={(e) => setCurrent({ ...current, modelId: e.target.value || null })}>
          <option value="">(the adapter's own base)</option>
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name} · {m.quantization}
            </option>
          ))}
        </select>
        <select aria-label="Adapter" value={current.adapterId ?? ''} onChange={(e) => setCurrent({ ...current, adapterId: e.target.value || null })}>
          <option value="">No adapter</option>
          {adapters.map((a) => (
            <option key={a.id} value={a.id}>
              {a.id} · loss {a.metrics.finalEvalLoss?.toFixed(3) ?? '?'}
            </option>
          ))}
        </select>
        <label className="inline-check">
          <input type="checkbox" checked={current.compare} onChange={(e) => setCurrent({ ...current, compare: e.target.checked })} /> Side by side with the base
        </label>
        {proposals.length ? (
          <select aria-label="Feedback to" title="The proposal whose feedback datanet ratings of answers go to" value={feedbackProposal?.id ?? ''} onChange={(e) => setFeedbackTo(e.target.value)}>
            <option value="">No feedback</option>
            {proposals.map((p) => (
              <option key={p.id} value={p.id}>
                Feedback to: {p.title}
              </option>
            ))}
          </select>
        ) : null}
        <span className="status-spacer" />
        <select
          aria-label="Conversation"
          value={current.id ?? ''}
          onChange={(e) => {
            const c = conversations.find((x) => x.id === e.target.value);
            if (c) setCurrent(c);
          }}
        >
          <option value="">{current.id ? '' : 'Unsaved conversation'}</option>
          {conversations.map((c) => (
            <option key={c.id} value={c.id}>
              {c.title}
            </option>
          ))}
        </select>
      </div>
      <div className="playground-body">
        <div className="chat" data-testid="chat">
          {turns.length === 0 ? <div className="muted chat-hint">Ask something. With an adapter chosen and “side by side” on, both answer.</div> : null}
          {turns.map((t, i) => {
            const last = i === turns.length - 1;
            return (
              <div className="turn" key={i}>
                <div className="bubble user">{t.user}</div>
                <div className={`answers cols-${sides.length}`}>
                  {sides.map((side) => {
                    const answer = t.answers[side];
                    const live = last && pending[side] ? jobs[pending[side]!] : undefined;
                    return (
                      <div className="answer" key={side} data-testid={`answer-${side}`}>
                        <div className="answer-head">
                          <span className={`badge ${side === 'adapter' ? 'flag-signed' : ''}`}>{label(side)}</span>
                          <span className="answer-tools">
                            {answer?.stopped ? (
                              <span className="badge" data-testid="answer-stopped" title="Stop ended this answer early: this is what had been generated">
                                stopped
                              </span>
                            ) : null}
                            {answer?.tokensPerSecond !== undefined ? <span className="muted small">{answer.tokensPerSecond.toFixed(1)} tokens/s</span> : null}
                            {side === 'adapter' && answer?.content.trim() ? (
                              <Button variant="ghost" className="btn-small" onClick={() => void attribute(t.user, answer.content)} title="Which records and contributors this answer came from">
                                <Fingerprint size={13} /> Attribute
                              </Button>
                            ) : null}
                          </span>
                        </div>
                        <div className="bubble assistant">{answer?.content ?? live?.progress.message ?? (live ? '…' : '')}</div>
                        {answer?.content.trim() ? (
                          <AnswerFeedback key={`${current.id ?? ''}-${i}-${side}`} prompt={t.user} answer={answer.content} proposal={feedbackProposal} />
                        ) : null}
                      </div>
                    );
                  })}
                </div>
              </div>
            );
          })}
        </div>
        {attributing ? (
          <AttributionPanel key={'jobId' in attributing ? attributing.jobId : attributing.attribution.receipt.digest} source={attributing} onClose={() => setAttributing(null)} />
        ) : null}
      </div>
      <form
        className="composer"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <textarea
          aria-label="Message"
          rows={2}
          value={input}
          placeholder="Ask a question… (Ctrl Enter sends)"
          onChange={(e) => setInput(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void send();
            }
          }}
        />
        {Object.keys(pending).length ? (
          <Button onClick={() => Object.values(pending).forEach((jobId) => void client!.call('jobs.cancel', { jobId: jobId! }))}>
            <Square size={14} /> Stop
          </Button>
        ) : (
          <Button variant="primary" type="submit" disabled={!input.trim()}>
            <Send size={14} /> Send
          </Button>
        )}
      </form>
    </div>
  );
}
