import { z } from 'zod';
import { Timestamp, idOf } from './common';
import { ChatRole } from './datanets';
import { ModelId } from './models';
import { AdapterId } from './training';

export const ConversationId = idOf('conv');

export const ConversationMessage = z.object({
  role: ChatRole,
  content: z.string().max(200_000),
  /** For answers when comparing: which model gave it. */
  side: z.enum(['base', 'adapter']).optional(),
  tokensPerSecond: z.number().optional(),
  /** The answer was cut short by Stop; its text is what had been generated. */
  stopped: z.boolean().optional(),
});
export type ConversationMessage = z.infer<typeof ConversationMessage>;

export const Conversation = z.object({
  id: ConversationId,
  title: z.string(),
  modelId: ModelId.nullable(),
  adapterId: AdapterId.nullable(),
  compare: z.boolean(),
  messages: z.array(ConversationMessage),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Conversation = z.infer<typeof Conversation>;

export const conversationMethods = {
  'conversations.list': { input: z.object({}).strict(), output: z.object({ items: z.array(Conversation) }) },
  'conversations.save': {
    input: z
      .object({
        id: ConversationId.optional(),
        title: z.string().trim().min(1).max(200),
        modelId: ModelId.nullable(),
        adapterId: AdapterId.nullable(),
        compare: z.boolean(),
        messages: z.array(ConversationMessage).max(1000),
      })
      .strict(),
    output: Conversation,
  },
  'conversations.delete': { input: z.object({ id: ConversationId }).strict(), output: z.object({ id: ConversationId }) },
} as const;
