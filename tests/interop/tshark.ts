/**
 * tshark as a well-formedness judge for interop captures: capture one UDP
 * port on loopback, then dissect the capture with an SSLKEYLOGFILE and
 * report every packet that did not decrypt, is malformed, or carries an
 * expert warning/error. Only the capture process spawned here is ever
 * stopped, by its own handle.
 * @module
 */
import { requireBinary } from "./ngtcp2.ts";

/** Wireshark's expert severity for warnings (PI_WARN); errors are higher. */
const PI_WARN = 0x00600000;

/** A running `tshark -i lo` capture of one UDP port. */
export class Capture {
  readonly #child: Deno.ChildProcess;
  readonly #status: Promise<Deno.CommandStatus>;
  #stderr = "";
  /** The pcapng file written. */
  readonly file: string;

  private constructor(file: string, filter: string) {
    this.file = file;
    const child = new Deno.Command(requireBinary("tshark"), {
      args: ["-i", "lo", "-f", filter, "-w", file],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#status = child.status;
    const dec = new TextDecoder();
    // Keep draining stderr so tshark never blocks on a full pipe.
    (async () => {
      for await (const chunk of child.stderr) {
        this.#stderr += dec.decode(chunk, { stream: true });
      }
    })().catch(() => {});
  }

  /**
   * Starts capturing `udp port <port>` on lo into `file`. tshark says
   * "Capturing on" before the filter is live, so readiness is proven by a
   * marker datagram a probe socket sends to itself (captured on another
   * port; {@link dissect} ignores it) showing up in the file.
   */
  static async start(file: string, port: number, ms = 8_000): Promise<Capture> {
    const probe = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const c = new Capture(
      file,
      `udp port ${port} or udp port ${(probe.addr as Deno.NetAddr).port}`,
    );
    c.#probe = probe;
    try {
      await c.#sync(ms);
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  #probe: Deno.DatagramConn | undefined;

  /**
   * Sends fresh random markers to the probe socket until one is in the
   * file: libpcap hands packets over in blocks, so once a marker sent now
   * is written, everything captured before it is written too.
   */
  async #sync(ms: number): Promise<void> {
    const probe = this.#probe!;
    const addr = probe.addr as Deno.NetAddr;
    const marker = crypto.getRandomValues(new Uint8Array(16));
    const deadline = Date.now() + ms;
    for (;;) {
      await probe.send(marker, addr);
      await new Promise((r) => setTimeout(r, 50));
      let data = new Uint8Array(0);
      try {
        data = Deno.readFileSync(this.file);
      } catch {
        // not created yet
      }
      if (indexOf(data, marker) >= 0) return;
      if (Date.now() > deadline) throw new Error(`tshark capture not live:\n${this.#stderr}`);
    }
  }

  /**
   * Flushes (see #sync), stops the capture (SIGINT; SIGKILL after 3 s) and
   * waits for it.
   */
  async stop(): Promise<void> {
    if (this.#probe) {
      try {
        await this.#sync(4_000);
      } catch {
        // stop anyway; the judge will see what is missing
      }
      this.#probe.close();
      this.#probe = undefined;
    }
    try {
      this.#child.kill("SIGINT");
    } catch {
      // already gone
    }
    let t: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      this.#status.then(() => false),
      new Promise<boolean>((r) => t = setTimeout(() => r(true), 3_000)),
    ]);
    clearTimeout(t);
    if (timedOut) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await this.#status;
    }
  }
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** One dissected datagram. */
export interface DissectedPacket {
  /** Frame number in the capture. */
  frame: number;
  /** UDP source port (tells which side sent it). */
  srcPort: number;
  /** QUIC frame types found (empty when nothing decrypted). */
  frameTypes: number[];
  /** Expert messages of warning severity or worse. */
  problems: string[];
  /** Whether Wireshark flagged the packet as malformed. */
  malformed: boolean;
}

/** Dissects `file` as QUIC on `port` with the secrets in `keylog`. */
export async function dissect(
  file: string,
  keylog: string,
  port: number,
): Promise<DissectedPacket[]> {
  const out = await new Deno.Command(requireBinary("tshark"), {
    args: [
      "-r",
      file,
      "-o",
      `tls.keylog_file:${keylog}`,
      "-d",
      `udp.port==${port},quic`,
      "-Y",
      `udp.port==${port}`,
      "-T",
      "fields",
      "-E",
      "separator=|",
      "-E",
      "aggregator=;",
      "-e",
      "frame.number",
      "-e",
      "udp.srcport",
      "-e",
      "quic.frame_type",
      "-e",
      "_ws.expert.severity",
      "-e",
      "_ws.expert.message",
      "-e",
      "_ws.malformed",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`tshark -r failed: ${new TextDecoder().decode(out.stderr)}`);
  const packets: DissectedPacket[] = [];
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    if (!line.trim()) continue;
    const [frame, src, types, sev, msg, malformed] = line.split("|");
    const sevs = sev ? sev.split(";").map(Number) : [];
    const msgs = msg ? msg.split(";") : [];
    packets.push({
      frame: Number(frame),
      srcPort: Number(src),
      frameTypes: types ? types.split(";").map(Number) : [],
      problems: msgs.filter((_, i) => (sevs[i] ?? 0) >= PI_WARN),
      malformed: malformed !== undefined && malformed !== "",
    });
  }
  return packets;
}
