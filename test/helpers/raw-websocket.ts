import { createHash, randomBytes } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * A WebSocket client written by hand over a raw TCP or TLS socket, so tests can send frames that
 * no well-behaved library would: bad opcodes, unmasked frames, invalid UTF-8, lying lengths.
 */

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface RawTarget {
  port: number;
  /** The Host header (e.g. 127.0.0.1:PORT, or localhost:PORT in team mode). */
  host: string;
  /** The token query parameter: serve's launch token, or a team session. */
  token: string;
  /** TLS (team mode): the server's certificate to trust and the name it was issued for. */
  tls?: { ca: Buffer; servername: string };
}

export interface ServerFrameBytes {
  opcode: number;
  payload: Buffer;
}

export interface RawWebSocket {
  socket: Socket;
  /** A masked, well-formed text frame. */
  sendText(text: string): void;
  /** Bytes straight onto the socket. */
  sendRaw(bytes: Buffer): void;
  /** The next data frame's text; rejects if the connection closes first. */
  nextText(): Promise<string>;
  /** Resolves when the server has closed the connection, with the close code it sent (null: none). */
  closed: Promise<number | null>;
  destroy(): void;
}

/** One client frame, FIN set, masked unless told otherwise; the header can be bent with `firstByte`. */
export function clientFrame(payload: Buffer, o: { opcode?: number; firstByte?: number; masked?: boolean; declaredLength?: number } = {}): Buffer {
  const first = o.firstByte ?? 0x80 | (o.opcode ?? 0x1);
  const masked = o.masked ?? true;
  const length = o.declaredLength ?? payload.length;
  let header: Buffer;
  if (length < 126) header = Buffer.from([first, (masked ? 0x80 : 0) | length]);
  else if (length < 65536) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = (masked ? 0x80 : 0) | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = (masked ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!;
  return Buffer.concat([header, key, body]);
}

/** The five protocol violations of issue 19, each of which `ws` answers with an error. */
export const PROTOCOL_GARBAGE: Record<string, () => Buffer> = {
  'text frame with invalid UTF-8': () => clientFrame(Buffer.from([0xff, 0xfe, 0xc3, 0x28])),
  'unmasked client frame': () => clientFrame(Buffer.from('{"type":"call"}'), { masked: false }),
  'opcode 3': () => clientFrame(Buffer.from('x'), { opcode: 0x3 }),
  'RSV1 set without permessage-deflate': () => clientFrame(Buffer.from('{}'), { firstByte: 0x80 | 0x40 | 0x1 }),
  // Only the 14-byte header is sent: the declared length alone is over serve's 16 MiB limit.
  'message over the size limit': () => clientFrame(Buffer.alloc(0), { opcode: 0x2, declaredLength: 16 * 1024 * 1024 + 1 }),
};

/** Connects, does the opening handshake by hand and checks the server's accept key. */
export function openRawWebSocket(target: RawTarget): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const socket: Socket = target.tls
      ? tlsConnect({ host: '127.0.0.1', port: target.port, ca: target.tls.ca, servername: target.tls.servername })
      : tcpConnect({ host: '127.0.0.1', port: target.port });
    const key = randomBytes(16).toString('base64');
    const expectedAccept = createHash('sha1').update(key + GUID).digest('base64');
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    const texts: string[] = [];
    const waiters: { resolve: (s: string) => void; reject: (e: Error) => void }[] = [];
    let closeCode: number | null = null;
    let ended = false;
    let resolveClosed!: (code: number | null) => void;
    const closed = new Promise<number | null>((r) => (resolveClosed = r));

    const finish = () => {
      if (ended) return;
      ended = true;
      resolveClosed(closeCode);
      for (const w of waiters.splice(0)) w.reject(new Error(`connection closed (code ${closeCode})`));
      if (!upgraded) reject(new Error('connection closed during the handshake'));
    };
    socket.on('error', () => finish());
    socket.on('close', finish);
    socket.on('connect', () => {
      if (target.tls) return;
      writeHandshake();
    });
    socket.on('secureConnect', writeHandshake);
    function writeHandshake() {
      socket.write(
        `GET /rpc?token=${encodeURIComponent(target.token)} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    }
    const client: RawWebSocket = {
      socket,
      sendText: (text) => socket.write(clientFrame(Buffer.from(text, 'utf8'))),
      sendRaw: (bytes) => socket.write(bytes),
      nextText: () => {
        const ready = texts.shift();
        if (ready !== undefined) return Promise.resolve(ready);
        if (ended) return Promise.reject(new Error(`connection closed (code ${closeCode})`));
        return new Promise((res, rej) => waiters.push({ resolve: res, reject: rej }));
      },
      closed,
      destroy: () => socket.destroy(),
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!upgraded) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1');
        buffered = buffered.subarray(end + 4);
        const accept = /^sec-websocket-accept:\s*(\S+)/im.exec(head)?.[1];
        if (!/^HTTP\/1\.1 101 /.test(head) || accept !== expectedAccept) {
          socket.destroy();
          reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`));
          return;
        }
        upgraded = true;
        resolve(client);
      }
      for (;;) {
        const frame = readServerFrame(buffered);
        if (!frame) return;
        buffered = buffered.subarray(frame.size);
        if (frame.opcode === 0x8) {
          closeCode = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : null;
          // Answer the close like a browser would, then let the server end the TCP connection.
          if (!socket.destroyed) socket.write(clientFrame(frame.payload.subarray(0, 2), { opcode: 0x8 }));
        } else if (frame.opcode === 0x9) socket.write(clientFrame(frame.payload, { opcode: 0xa }));
        else if (frame.opcode === 0x1 || frame.opcode === 0x2) {
          const text = frame.payload.toString('utf8');
          const waiter = waiters.shift();
          if (waiter) waiter.resolve(text);
          else texts.push(text);
        }
      }
    });
  });
}

/** One unmasked server frame from the front of `buf` (servers do not fragment ours), or null if incomplete. */
function readServerFrame(buf: Buffer): (ServerFrameBytes & { size: number }) | null {
  if (buf.length < 2) return null;
  const opcode = buf[0]! & 0x0f;
  let length = buf[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buf.length < 4) return null;
    length = buf.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buf.length < 10) return null;
    length = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  if (buf.length < offset + length) return null;
  return { opcode, payload: buf.subarray(offset, offset + length), size: offset + length };
}

let nextId = 1;

/** A contract call over a raw socket; resolves with the result envelope of the matching id. */
export async function rawCall(ws: RawWebSocket, method: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }> {
  const id = nextId++;
  ws.sendText(JSON.stringify({ type: 'call', id, method, input }));
  for (;;) {
    const frame = JSON.parse(await ws.nextText()) as { type: string; id?: number; result?: { ok: boolean } };
    if (frame.type === 'result' && frame.id === id) return frame.result as { ok: boolean };
  }
}
