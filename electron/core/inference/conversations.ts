import type { Conversation, ConversationMessage } from '../../shared/conversations';
import { AppError } from '../../shared/errors';
import type { Db } from '../db/open';
import { newId, nowIso } from '../common/ids';

interface Row {
  id: string;
  title: string;
  model_id: string | null;
  adapter_id: string | null;
  compare: number;
  messages: string;
  created_at: string;
  updated_at: string;
}

const toConversation = (r: Row): Conversation => ({
  id: r.id,
  title: r.title,
  modelId: r.model_id,
  adapterId: r.adapter_id,
  compare: r.compare === 1,
  messages: JSON.parse(r.messages) as ConversationMessage[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Playground conversations, saved after every turn so nothing is lost on a restart. */
export class ConversationStore {
  constructor(private readonly db: Db) {}

  list(): Conversation[] {
    return (this.db.prepare('SELECT * FROM conversations ORDER BY updated_at DESC').all() as Row[]).map(toConversation);
  }

  save(c: { id?: string; title: string; modelId: string | null; adapterId: string | null; compare: boolean; messages: ConversationMessage[] }): Conversation {
    const now = nowIso();
    const id = c.id ?? newId('conv');
    if (c.id && !this.db.prepare('SELECT 1 FROM conversations WHERE id = ?').get(c.id)) throw new AppError('NOT_FOUND', `No conversation with id ${c.id}.`);
    this.db
      .prepare(
        `INSERT INTO conversations (id, title, model_id, adapter_id, compare, messages, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, model_id = excluded.model_id, adapter_id = excluded.adapter_id,
           compare = excluded.compare, messages = excluded.messages, updated_at = excluded.updated_at`,
      )
      .run(id, c.title, c.modelId, c.adapterId, c.compare ? 1 : 0, JSON.stringify(c.messages), now, now);
    return toConversation(this.db.prepare('SELECT * FROM conversations WHERE id = ?').get(id) as Row);
  }

  delete(id: string): { id: string } {
    if (this.db.prepare('DELETE FROM conversations WHERE id = ?').run(id).changes === 0) throw new AppError('NOT_FOUND', `No conversation with id ${id}.`);
    return { id };
  }
}
