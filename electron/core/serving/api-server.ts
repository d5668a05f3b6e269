import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ChatResult, LoadOptions } from '../inference/engine.js';
import { PromptTooLong } from '../inference/context-fit';
import { guardServer, requestUrl } from '../host/connection-faults';
import { closeServer, listenOnLoopback } from '../host/loopback';
import { checkHost, tokenMatches } from '../host/request-guard';
import { ChatCompletionRequest, CompletionRequest, textOf } from './openai-schemas';
import { QueueFull, RequestQueue } from './request-queue';

/** What the API serves a model name as: the base file and, optionally, an adapter on it. */
export interface ServedModel {
  name: string;
  load: LoadOptions;
  adapterId: string | null;
}

export interface ApiBackend {
  listModels(): { id: string; created: number }[];
  /** Throws when the name is unknown. */
  resolve(name: string): ServedModel;
  meter(model: ServedModel, promptTokens: number, completionTokens: number): void;
  /** An answer was sent (after the response): the backend may attribute it. */
  answered?(model: ServedModel, exchange: { prompt: string; answer: string; completionTokens: number }): void;
}

export interface ApiServer {
  url: string;
  port: number;
  token: string;
  /** Requests that may wait per served model while another generates. */
  maxQueued: number;
  /** Requests waiting now, all models together. */
  waiting(): number;
  close(): Promise<void>;
}

/** Requests that may wait per served model unless the serving settings say otherwise. */
export const DEFAULT_MAX_QUEUED = 8;

const MAX_BODY = 4 * 1024 * 1024;

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null = null,
  extra: { param?: string; headers?: Record<string, string> } = {},
) {
  if (res.headersSent) return res.end();
  res.writeHead(status, { 'Content-Type': 'application/json', ...extra.headers }).end(JSON.stringify({ error: { message, type, code, param: extra.param ?? null } }));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw Object.assign(new Error(`request body is larger than ${MAX_BODY / 1024 / 1024} MB`), { status: 413 });
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw Object.assign(new Error('request body is not valid JSON'), { status: 400 });
  }
}

/**
 * An OpenAI-compatible API on 127.0.0.1: GET /v1/models, POST /v1/chat/completions and
 * /v1/completions (streamed as server-sent events or not). Every route needs the bearer token and
 * a Host naming this machine (no DNS rebinding); there are no CORS headers, so web pages elsewhere
 * cannot read it. Generations run one at a time; each served model may have `maxQueued` requests
 * waiting, and one past that gets 429 with Retry-After at once (a client that leaves while waiting
 * is dropped unrun). A prompt the model's context cannot hold gets 400 context_length_exceeded, and
 * max_tokens is capped at the room the prompt leaves.
 */
export async function startApiServer(backend: ApiBackend, opts: { port?: number; token?: string; maxQueued?: number } = {}): Promise<ApiServer> {
  const token = opts.token ?? `dst-${randomBytes(24).toString('base64url')}`;
  let port = 0;
  const queue = new RequestQueue({ maxWaitingPerKey: opts.maxQueued ?? DEFAULT_MAX_QUEUED });

  const server = createServer(async (req, res) => {
    const host = checkHost(req.headers.host, port);
    if (!host.ok) return sendError(res, 403, `Forbidden: ${host.reason}`, 'permission_error');
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!tokenMatches(auth, token)) return sendError(res, 401, 'Missing or wrong API key: send Authorization: Bearer <token>.', 'invalid_request_error', 'invalid_api_key');
    const path = requestUrl(req)?.pathname;
    if (path === undefined) return sendError(res, 400, 'The request path is not a URL.', 'invalid_request_error');
    try {
      if (req.method === 'GET' && path === '/v1/models') {
        const data = backend.listModels().map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: 'datanet-studio' }));
        return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ object: 'list', data }));
      }
      if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/completions')) {
        const body = await readJson(req);
        const chatMode = path === '/v1/chat/completions';
        const parsed = chatMode ? ChatCompletionRequest.safeParse(body) : CompletionRequest.safeParse(body);
        if (!parsed.success) {
          const i = parsed.error.issues[0]!;
          return sendError(res, 400, `${i.path.join('.') || 'body'}: ${i.message}`, 'invalid_request_error');
        }
        let model: ServedModel;
        try {
          model = backend.resolve(parsed.data.model);
        } catch (e) {
          return sendError(res, 404, (e as Error).message, 'invalid_request_error', 'model_not_found');
        }
        const left = new AbortController();
        res.on('close', () => {
          if (!res.writableFinished) left.abort();
        });
        try {
          return await queue.run(model.name, () => generate(res, backend, model, parsed.data, chatMode, left.signal), left.signal);
        } catch (e) {
          if (e instanceof QueueFull) {
            const message = `Too many requests for "${model.name}": ${e.limit} are already waiting, the most this server queues per model. Retry after ${e.retryAfterSeconds} s.`;
            return sendError(res, 429, message, 'requests', 'rate_limit_exceeded', { headers: { 'Retry-After': String(e.retryAfterSeconds) } });
          }
          if (left.signal.aborted) return;
          if (e instanceof PromptTooLong) return sendError(res, 400, contextMessage(e, chatMode), 'invalid_request_error', 'context_length_exceeded', { param: chatMode ? 'messages' : 'prompt' });
          throw e;
        }
      }
      return sendError(res, 404, `No route ${req.method} ${path}.`, 'invalid_request_error');
    } catch (e) {
      const status = (e as { status?: number }).status ?? 500;
      return sendError(res, status, (e as Error).message, status === 500 ? 'server_error' : 'invalid_request_error');
    }
  });
  // A client that breaks HTTP or resets mid-request loses only its own connection.
  guardServer(server, 'the local API');
  port = await listenOnLoopback(server, opts.port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    maxQueued: queue.maxWaitingPerKey,
    waiting: () => queue.waitingCount(),
    close: () => closeServer(server),
  };
}

/** OpenAI's wording (clients match it), with how this server counts. */
const contextMessage = (e: PromptTooLong, chatMode: boolean) =>
  `This model's maximum context length is ${e.maxContextTokens} tokens. However, your ${chatMode ? 'messages' : 'prompt'} resulted in ${e.promptTokens} tokens` +
  `${chatMode ? " (as the model's chat template renders them)" : ''}, which leaves no room for an answer. Please reduce the length of the ${chatMode ? 'messages' : 'prompt'}.`;

async function generate(
  res: ServerResponse,
  backend: ApiBackend,
  model: ServedModel,
  body: ChatCompletionRequest | CompletionRequest,
  chatMode: boolean,
  signal: AbortSignal,
) {
  const { chat, complete } = await import('../inference/engine.js');
  const id = `${chatMode ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const maxTokens = ('max_completion_tokens' in body ? body.max_completion_tokens : undefined) ?? body.max_tokens ?? 256;
  const object = chatMode ? 'chat.completion.chunk' : 'text_completion';
  const chunk = (delta: string | null, finish: string | null, first = false) =>
    chatMode
      ? { id, object, created, model: model.name, choices: [{ index: 0, delta: first ? { role: 'assistant', content: '' } : delta === null ? {} : { content: delta }, finish_reason: finish }] }
      : { id, object, created, model: model.name, choices: [{ index: 0, text: delta ?? '', finish_reason: finish, logprobs: null }] };
  // The stream starts with the first text, so that a prompt refused before any work still gets its 400.
  const send = (data: unknown) => {
    if (!res.headersSent) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      if (chatMode) res.write(`data: ${JSON.stringify(chunk(null, null, true))}\n\n`);
    }
    res.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  const common = { ...model.load, maxTokens, fitContext: true, temperature: body.temperature ?? 0.7, seed: body.seed, signal, onText: body.stream ? (t: string) => send(chunk(t, null)) : undefined };
  const r: ChatResult = chatMode
    ? await chat({ ...common, messages: (body as ChatCompletionRequest).messages.map((m) => ({ role: m.role === 'developer' ? 'system' : m.role, content: textOf(m.content) })) })
    : await complete({ ...common, prompt: (body as CompletionRequest).prompt });
  backend.meter(model, r.promptTokens, r.completionTokens);
  const prompt = chatMode ? textOf((body as ChatCompletionRequest).messages.at(-1)?.content ?? '') : String((body as CompletionRequest).prompt);
  setImmediate(() => backend.answered?.(model, { prompt, answer: r.text, completionTokens: r.completionTokens }));
  const finish = r.finishReason ?? 'stop';
  const usage = { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens };
  if (body.stream) {
    send({ ...chunk(null, finish), usage });
    res.end('data: [DONE]\n\n');
    return;
  }
  const choice = chatMode
    ? { index: 0, message: { role: 'assistant', content: r.text, refusal: null }, finish_reason: finish, logprobs: null }
    : { index: 0, text: r.text, finish_reason: finish, logprobs: null };
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(
    JSON.stringify({ id, object: chatMode ? 'chat.completion' : 'text_completion', created, model: model.name, choices: [choice], usage }),
  );
}
