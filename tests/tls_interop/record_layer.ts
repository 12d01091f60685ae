// A minimal TLS 1.3 record layer (RFC 8446 §5), test-only: it lets gquic's
// sans-IO handshake (in `quic: false` mode) talk to real TLS stacks over TCP.
// Not exported and not used by QUIC, which has no record layer.
import { Buffer } from "node:buffer";
import { type CipherGCM, createCipheriv, createDecipheriv, type DecipherGCM } from "node:crypto";
import { hkdfExpandLabel } from "../../crypto/hkdf.ts";
import { suiteHash } from "../../crypto/tls/key_schedule.ts";
import type { TlsClient } from "../../crypto/tls/client.ts";
import type { TlsServer } from "../../crypto/tls/server.ts";
import type { EncryptionLevelValue } from "../../crypto/tls/types.ts";

const CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APPDATA = 23;

interface RecordKey {
  alg: "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305";
  key: Uint8Array;
  iv: Uint8Array;
  seq: bigint;
}

function recordKey(suite: number, secret: Uint8Array): RecordKey {
  const hash = suiteHash(suite)!;
  const alg = suite === 0x1301
    ? "aes-128-gcm"
    : suite === 0x1302
    ? "aes-256-gcm"
    : "chacha20-poly1305";
  const keyLen = alg === "aes-128-gcm" ? 16 : 32;
  return {
    alg,
    key: hkdfExpandLabel(hash, secret, "key", new Uint8Array(0), keyLen),
    iv: hkdfExpandLabel(hash, secret, "iv", new Uint8Array(0), 12),
    seq: 0n,
  };
}

function nonce(k: RecordKey): Buffer {
  const n = Buffer.from(k.iv);
  for (let i = 0; i < 8; i++) n[11 - i] ^= Number((k.seq >> BigInt(8 * i)) & 0xffn);
  k.seq++;
  return n;
}

function seal(k: RecordKey, type: number, data: Uint8Array): Uint8Array {
  const inner = new Uint8Array(data.length + 1);
  inner.set(data);
  inner[data.length] = type;
  const len = inner.length + 16;
  const header = Uint8Array.of(CT_APPDATA, 3, 3, len >> 8, len & 0xff);
  const c = createCipheriv(
    k.alg,
    k.key,
    nonce(k),
    { authTagLength: 16 } as never,
  ) as unknown as CipherGCM;
  c.setAAD(header);
  const body = Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
  const out = new Uint8Array(5 + body.length);
  out.set(header);
  out.set(body, 5);
  return out;
}

function open(
  k: RecordKey,
  header: Uint8Array,
  body: Uint8Array,
): { type: number; data: Uint8Array } {
  const d = createDecipheriv(
    k.alg,
    k.key,
    nonce(k),
    { authTagLength: 16 } as never,
  ) as unknown as DecipherGCM;
  d.setAAD(header);
  d.setAuthTag(body.subarray(body.length - 16));
  const inner = Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]);
  let end = inner.length;
  while (end > 0 && inner[end - 1] === 0) end--; // strip padding
  if (end === 0) throw new Error("record without content type");
  return { type: inner[end - 1], data: new Uint8Array(inner.subarray(0, end - 1)) };
}

/** Runs a TLS endpoint over a TCP connection with TLS 1.3 records. */
export class RecordLayer {
  readonly #conn: Deno.Conn;
  readonly #tls: TlsClient | TlsServer;
  readonly #write: (RecordKey | undefined)[] = [];
  #read: RecordKey | undefined;
  #readLevel: EncryptionLevelValue = 0;
  #buf = new Uint8Array(0);
  readonly appData: Uint8Array[] = [];
  closed = false;

  constructor(conn: Deno.Conn, tls: TlsClient | TlsServer) {
    this.#conn = conn;
    this.#tls = tls;
  }

  get handshakeComplete(): boolean {
    return this.#tls.handshakeComplete;
  }

  /** Sends pending TLS output and installs new keys, in event order. */
  async flush(): Promise<void> {
    const out: Uint8Array[] = [];
    for (let e; (e = this.#tls.pollEvent());) {
      if (e.type === "handshakeData") {
        const k = this.#write[e.level];
        if (e.level === 0) {
          const h = Uint8Array.of(CT_HANDSHAKE, 3, 3, e.data.length >> 8, e.data.length & 0xff);
          out.push(h, e.data);
        } else {
          if (!k) throw new Error(`no write key for level ${e.level}`);
          out.push(seal(k, CT_HANDSHAKE, e.data));
        }
      } else if (e.type === "secrets") {
        if (e.write) this.#write[e.level] = recordKey(e.cipherSuite, e.write);
        if (e.read) {
          this.#read = recordKey(e.cipherSuite, e.read);
          this.#readLevel = e.level;
        }
      }
    }
    for (const b of out) await this.#conn.write(b);
  }

  /** Sends application data (after the handshake). */
  async send(data: Uint8Array): Promise<void> {
    await this.#conn.write(seal(this.#write[3]!, CT_APPDATA, data));
  }

  /** Reads from the socket and processes whole records; false on EOF. */
  async pump(): Promise<boolean> {
    const chunk = new Uint8Array(16384);
    const n = await this.#conn.read(chunk);
    if (n === null) {
      this.closed = true;
      return false;
    }
    const merged = new Uint8Array(this.#buf.length + n);
    merged.set(this.#buf);
    merged.set(chunk.subarray(0, n), this.#buf.length);
    let off = 0;
    while (merged.length - off >= 5) {
      const len = (merged[off + 3] << 8) | merged[off + 4];
      if (merged.length - off < 5 + len) break;
      const header = merged.subarray(off, off + 5);
      const body = merged.subarray(off + 5, off + 5 + len);
      off += 5 + len;
      await this.#record(header, body);
    }
    this.#buf = merged.slice(off);
    return true;
  }

  async #record(header: Uint8Array, body: Uint8Array): Promise<void> {
    const type = header[0];
    if (type === CT_CCS) return; // middlebox compatibility (RFC 8446 §D.4)
    if (type === CT_HANDSHAKE && !this.#read) {
      this.#tls.receive(0, body, Date.now());
      return this.flush();
    }
    if (type === CT_ALERT && !this.#read) throw new Error(`peer alert ${body[1]}`);
    if (type !== CT_APPDATA || !this.#read) throw new Error(`unexpected record ${type}`);
    const rec = open(this.#read, header, body);
    if (rec.type === CT_HANDSHAKE) {
      this.#tls.receive(this.#readLevel, rec.data, Date.now());
      await this.flush();
    } else if (rec.type === CT_APPDATA) {
      this.appData.push(rec.data);
    } else if (rec.type === CT_ALERT) {
      if (rec.data[1] !== 0) throw new Error(`peer alert ${rec.data[1]}`);
      this.closed = true;
    }
  }

  /** Pumps until `done()` or `timeoutMs` passes. */
  async until(done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error("record layer timed out");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const more = await Promise.race([
        this.pump(),
        new Promise<never>((_, rej) => {
          timer = setTimeout(() => rej(new Error("read timed out")), deadline - Date.now());
        }),
      ]).finally(() => clearTimeout(timer));
      if (!more && !done()) throw new Error("connection closed early");
    }
  }

  /** Sends close_notify and closes the socket. */
  async close(): Promise<void> {
    try {
      if (this.#write[3]) {
        await this.#conn.write(seal(this.#write[3], CT_ALERT, Uint8Array.of(1, 0)));
      }
    } catch { /* peer may be gone */ }
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }
}

/** Concatenated text of the application data received so far. */
export function appText(r: RecordLayer): string {
  const d = new TextDecoder();
  return r.appData.map((b) => d.decode(b)).join("");
}
