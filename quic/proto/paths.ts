/**
 * Paths, path validation and connection migration (RFC 9000 §8.2, §9).
 *
 * A connection sends on one *active* path (the peer address in
 * `ConnCore.remote`). This module tracks the other addresses the peer used,
 * validates paths with PATH_CHALLENGE / PATH_RESPONSE (§8.2), moves a server
 * to the address of the peer's highest-numbered non-probing packet (§9.3),
 * keeps the last validated path to revert to when validation fails (§9.3.2),
 * and lets a client migrate after its driver rebound the socket (§9.2).
 *
 * PATH_CHALLENGE and PATH_RESPONSE go out in their own datagrams, built here
 * and addressed per datagram ({@link PathManager.txRemote}), so a response
 * leaves on the path its challenge arrived on (§8.2.2) whatever the active
 * path is. They are padded to 1200 bytes within the path's anti-amplification
 * limit (§8.2.1, §8.2.2) and, like DPLPMTUD probes, sent outside congestion
 * control with their own retry timer (§9.4 permits it for probes).
 *
 * The anti-amplification counters of the active path live in `ConnCore`
 * (`addressValidated`, `amplificationReceived`, `amplificationSent`) because
 * packet assembly reads them; they are swapped with {@link Path} on migration.
 *
 * Demultiplexing: the endpoint finds a connection by the DCID, so a client
 * whose address changed still reaches its connection (server CIDs are never
 * zero-length). A client using zero-length CIDs (as Chromium does) can still
 * be followed through a NAT rebinding by the server, but {@link canMigrate}
 * refuses active migration for it: its peer would have to keep the same
 * (empty) CID on the new path, making the paths linkable (§9.5).
 * @module
 */
import { type ConnCore, ConnPhase, type SocketAddr } from "./conn_state.ts";
import { APPLICATION } from "./spaces.ts";
import { writeShortHeader } from "./header_build.ts";
import { encodePacketNumberLength } from "./packet_number.ts";
import { protectPacket } from "../../crypto/packet_protection.ts";
import { applyPmtu, updateAmplificationLimit } from "./conn_recovery.ts";
import { enterClosed } from "./conn_close.ts";
import { cidEqual } from "./cid.ts";
import { K_INITIAL_RTT } from "./rtt.ts";
import { initialWindow } from "./congestion/controller.ts";

const TAG = 16;
/** Datagram size PATH_CHALLENGE / PATH_RESPONSE datagrams are expanded to (§8.2.1). */
export const PATH_PROBE_SIZE = 1200;
/** Outstanding PATH_CHALLENGE payloads remembered per path. */
const MAX_CHALLENGES = 4;
/** PATH_RESPONSEs waiting to be sent (one per challenge received, §8.2.2). */
const MAX_RESPONSES = 8;
/** Paths remembered besides the active one (bounded: the peer picks addresses). */
const MAX_PATHS = 4;
/** Short header + largest packet number + one PATH_* frame + tag. */
const MIN_PROBE = 1 + 20 + 4 + 9 + TAG;

/** One network path: our local address (implicit) and a peer address (§9). */
export interface Path {
  /** The peer's address on this path. */
  remote: SocketAddr;
  /** The peer's ownership of the address is confirmed (§8.2, or by the handshake). */
  validated: boolean;
  /** Bytes received from the address while it is unvalidated (§8.1). */
  bytesReceived: number;
  /** Bytes sent to the address while it is unvalidated (§8.1). */
  bytesSent: number;
  /** Outstanding PATH_CHALLENGE payloads and whether their datagram was expanded. */
  challenges: { data: Uint8Array; padded: boolean }[];
  /** A PATH_CHALLENGE is to be sent on the next poll. */
  challengeDue: boolean;
  /** When the next PATH_CHALLENGE is due (retry), Infinity when none. */
  retryAt: number;
  /** Retry interval, doubled after each challenge sent. */
  retryInterval: number;
  /** Validation is abandoned at this time (§8.2.4), Infinity when not validating. */
  validationDeadline: number;
  /** The DCID (ours) the peer last used on this path. */
  rxDcid: Uint8Array | undefined;
}

function newPath(remote: SocketAddr, validated: boolean): Path {
  return {
    remote,
    validated,
    bytesReceived: 0,
    bytesSent: 0,
    challenges: [],
    challengeDue: false,
    retryAt: Infinity,
    retryInterval: 0,
    validationDeadline: Infinity,
    rxDcid: undefined,
  };
}

/** True when two addresses are the same 2-tuple. */
export function sameAddr(a: SocketAddr, b: SocketAddr): boolean {
  return a === b || (a.port === b.port && a.hostname === b.hostname);
}

/**
 * Per-connection path state (see module doc). Created by the connection;
 * internal (the public surface is on `Connection`).
 */
export class PathManager {
  /** The path we send on. */
  active: Path;
  /** The last validated path, kept to revert to if the active one fails (§9.3.2). */
  fallback: Path | undefined;
  /** Other paths seen (probing, old paths being checked), bounded. */
  readonly others: Path[] = [];
  /** PATH_RESPONSE payloads to send and the path each challenge arrived on (§8.2.2). */
  readonly responses: { data: Uint8Array; path: Path }[] = [];
  /** Largest packet number of a non-probing 1-RTT packet received (§9.3). */
  largestNonProbingPn = -1;
  /** Address of the datagram being processed. */
  rxRemote: SocketAddr;
  /** Size of the datagram being processed. */
  rxBytes = 0;
  /** Destination of the last datagram built by `pollTransmit`. */
  txRemote: SocketAddr;
  /** Migrations followed (server) or initiated (client). */
  migrations = 0;
  /** Paths validated by a PATH_RESPONSE. */
  validations = 0;
  /** Path validations abandoned on timeout. */
  validationFailures = 0;
  /** Times we went back to the last validated path (§9.3.2). */
  reverts = 0;

  /**
   * @param remote the peer address of the handshake path
   * @param validated whether the handshake path starts validated
   */
  constructor(remote: SocketAddr, validated: boolean) {
    this.active = newPath(remote, validated);
    this.rxRemote = remote;
    this.txRemote = remote;
  }

  /** The known path to `remote`, if any. */
  find(remote: SocketAddr): Path | undefined {
    if (sameAddr(this.active.remote, remote)) return this.active;
    if (this.fallback && sameAddr(this.fallback.remote, remote)) return this.fallback;
    for (const p of this.others) if (sameAddr(p.remote, remote)) return p;
    return undefined;
  }

  /** The path to `remote`, created (evicting the oldest idle one) when unknown. */
  obtain(remote: SocketAddr): Path {
    const found = this.find(remote);
    if (found) return found;
    const p = newPath(remote, false);
    if (this.others.length >= MAX_PATHS) this.others.shift();
    this.others.push(p);
    return p;
  }

  /** Forgets a non-active path (and its pending responses). */
  drop(p: Path): void {
    const i = this.others.indexOf(p);
    if (i >= 0) this.others.splice(i, 1);
    if (this.fallback === p) this.fallback = undefined;
  }
}

/** Anti-amplification budget of `p` (§8.1): Infinity once validated. */
function budgetOf(c: ConnCore, p: Path): number {
  if (p === c.paths.active) return c.amplificationBudget;
  return p.validated ? Infinity : 3 * p.bytesReceived - p.bytesSent;
}

/** The short-header DCID of a datagram (our CIDs have a fixed length), if any. */
function shortDcid(c: ConnCore, data: Uint8Array): Uint8Array | undefined {
  const n = c.localCids.cidLength;
  if (data.length === 0 || (data[0] & 0x80) !== 0 || data.length < 1 + n) return undefined;
  return data.subarray(1, 1 + n);
}

/**
 * Receive hook, called for every datagram before its packets are processed:
 * counts the bytes against the anti-amplification limit of the path they
 * came on (§8.1, §9.3) and decides whether the datagram may be processed.
 * Returns false to drop it silently (no Stateless Reset, §9).
 */
export function onDatagramReceived(c: ConnCore, data: Uint8Array, remote: SocketAddr): boolean {
  const pm = c.paths;
  pm.rxRemote = remote;
  pm.rxBytes = data.length;
  if (sameAddr(remote, c.remote)) {
    if (!c.addressValidated) c.amplificationReceived += data.length;
    return true;
  }
  // §9: servers never migrate, so a client discards packets from an unknown server address.
  if (!c.isServer) return false;
  // Before the handshake completes the path cannot change (§9); keep the old behaviour
  // (process, reply on the handshake path) and count nothing.
  if (!c.handshakeComplete) return true;
  const dcid = shortDcid(c, data);
  // §9: with disable_active_migration set, a peer that migrates anyway (a new
  // CID from a new address is an active migration, §9.5) has its packets on
  // that path dropped. An unchanged DCID is taken as NAT rebinding, which the
  // peer cannot prevent, and is followed.
  if (
    c.cfg.disableActiveMigration && dcid && pm.active.rxDcid && !cidEqual(dcid, pm.active.rxDcid)
  ) {
    return false;
  }
  const p = pm.find(remote);
  if (p && !p.validated) p.bytesReceived += data.length;
  return true;
}

/**
 * Hook for every authenticated 1-RTT packet, after its frames were processed:
 * `nonProbing` tells whether it held a frame other than PATH_CHALLENGE,
 * PATH_RESPONSE, NEW_CONNECTION_ID and PADDING (§9.1). A server follows the
 * peer to the address of its highest-numbered non-probing packet (§9.3).
 */
export function onPacketAuthenticated(
  c: ConnCore,
  pn: number,
  nonProbing: boolean,
  dcid: Uint8Array,
  now: number,
): void {
  const pm = c.paths;
  const remote = pm.rxRemote;
  if (sameAddr(remote, c.remote)) {
    const last = pm.active.rxDcid;
    if (last === undefined || !cidEqual(last, dcid)) pm.active.rxDcid = dcid.slice();
  }
  if (!nonProbing || pn <= pm.largestNonProbingPn) return;
  pm.largestNonProbingPn = pn;
  if (sameAddr(remote, c.remote)) return;
  // §9: migration only after the handshake is confirmed, and only clients migrate.
  if (!c.isServer || !c.handshakeConfirmed || c.phase !== ConnPhase.ESTABLISHED) return;
  migrateTo(c, remote, dcid, now);
}

/** Server: makes the path to `remote` the active one (§9.3). */
function migrateTo(c: ConnCore, remote: SocketAddr, dcid: Uint8Array, now: number): void {
  const pm = c.paths;
  const old = pm.active;
  // §9.5: a peer that changed its DCID wants unlinkable paths: answer with a
  // fresh CID of its own, retiring the old one. Without a spare CID we cannot
  // send on the new path (§9.3), so we stay where we are.
  const dcidChanged = old.rxDcid !== undefined && !cidEqual(old.rxDcid, dcid);
  if (dcidChanged && c.peerCids.current.cid.length > 0 && !c.peerCids.rotate()) return;
  const p = pm.obtain(remote);
  if (p === pm.active) return;
  // Save the active path's amplification state and load the new path's.
  old.validated = c.addressValidated;
  old.bytesReceived = c.amplificationReceived;
  old.bytesSent = c.amplificationSent;
  const i = pm.others.indexOf(p);
  if (i >= 0) pm.others.splice(i, 1);
  if (pm.fallback === p) pm.fallback = undefined;
  if (old.validated) {
    if (pm.fallback && pm.fallback !== old) keepOther(pm, pm.fallback);
    pm.fallback = old;
  } else {
    // An unvalidated path we leave (e.g. the spoofed one): abandon its validation (§9.3.3).
    stopValidation(old);
    keepOther(pm, old);
  }
  pm.active = p;
  p.rxDcid = dcid.slice();
  c.remote = p.remote;
  c.addressValidated = p.validated;
  c.amplificationReceived = p.validated ? 0 : Math.max(p.bytesReceived, pm.rxBytes);
  c.amplificationSent = p.validated ? 0 : p.bytesSent;
  pm.migrations++;
  if (!p.validated) {
    startValidation(c, p, now);
    // §9.3.3: an apparent migration may be a forwarded copy; challenge the old
    // path so the genuine peer answers there with higher packet numbers.
    // After a CID change the peer migrated on purpose (a copy keeps the CID).
    if (!dcidChanged && old.validated) startValidation(c, old, now);
  } else {
    // Back on a validated path (§9.3: no validation needed); stop checking others.
    for (const o of pm.others) stopValidation(o);
  }
  if (c.isServer) updateAmplificationLimit(c, now);
}

function keepOther(pm: PathManager, p: Path): void {
  if (pm.others.includes(p)) return;
  if (pm.others.length >= MAX_PATHS) pm.others.shift();
  pm.others.push(p);
}

/** Path validation timeout: max(3 × PTO, 6 × kInitialRtt) (§8.2.4). */
export function validationTimeout(c: ConnCore): number {
  return Math.max(3 * c.rtt.ptoPeriod(c.peerMaxAckDelay), 6 * K_INITIAL_RTT);
}

/** Starts (or restarts) validating `p` (§8.2.1). */
export function startValidation(c: ConnCore, p: Path, now: number): void {
  p.challengeDue = true;
  p.retryAt = Infinity;
  p.retryInterval = c.rtt.ptoPeriod(c.peerMaxAckDelay);
  p.validationDeadline = now + validationTimeout(c);
}

function stopValidation(p: Path): void {
  p.challengeDue = false;
  p.retryAt = Infinity;
  p.validationDeadline = Infinity;
  p.challenges.length = 0;
}

/** PATH_CHALLENGE received (§8.2.2): queue the echo for the path it came on. */
export function onPathChallenge(c: ConnCore, data: Uint8Array): void {
  const pm = c.paths;
  if (pm.responses.length >= MAX_RESPONSES) return;
  let path = pm.find(pm.rxRemote);
  if (!path) {
    // A probe from a new address (§9.1): remember the path, with this
    // datagram counted toward its amplification limit (§8.1).
    path = pm.obtain(pm.rxRemote);
    path.bytesReceived += pm.rxBytes;
  }
  pm.responses.push({ data: data.slice(), path });
  // §9.3.3: a challenge on the active path earns a non-probing packet too,
  // so a genuine peer wins back a path an attacker's copy diverted.
  if (path === pm.active) c.pingPending = true;
}

/**
 * PATH_RESPONSE received (§8.2.3): validates the path whose challenge it
 * echoes, whichever path it arrived on. Unmatched data is ignored.
 */
export function onPathResponse(c: ConnCore, data: Uint8Array, now: number): void {
  const pm = c.paths;
  const all = [pm.active, ...(pm.fallback ? [pm.fallback] : []), ...pm.others];
  for (const p of all) {
    const i = p.challenges.findIndex((ch) => cidEqual(ch.data, data));
    if (i < 0) continue;
    const padded = p.challenges[i].padded;
    stopValidation(p);
    onPathValidated(c, p, now);
    // §8.2.1: a challenge that could not be expanded validated the address,
    // not the MTU: validate again with a full-size datagram.
    if (!padded) startValidation(c, p, now);
    return;
  }
}

function onPathValidated(c: ConnCore, p: Path, now: number): void {
  const pm = c.paths;
  const wasValidated = p.validated;
  p.validated = true;
  pm.validations++;
  if (p !== pm.active) return;
  const prev = pm.fallback;
  if (!c.addressValidated) {
    c.addressValidated = true;
    if (c.isServer) updateAmplificationLimit(c, now);
  }
  if (wasValidated && !c.isServer) return;
  // §9.4: a new path gets a fresh congestion controller and RTT estimate,
  // unless only the peer's port changed (NAT rebinding).
  const portOnly = c.isServer && prev !== undefined && prev.remote.hostname === p.remote.hostname;
  if (!portOnly && (c.isServer ? prev !== undefined : true)) resetPathState(c, now);
  // The old path is no longer needed once the new one is validated.
  if (prev && c.isServer) {
    pm.fallback = undefined;
    if (prev.validationDeadline === Infinity) pm.drop(prev);
    else keepOther(pm, prev);
  }
}

/** RFC 9000 §9.4, RFC 9002 B.3 / A.3: congestion and RTT state back to initial values. */
function resetPathState(c: ConnCore, now: number): void {
  // RFC 9000 §14.3: the PMTU is per path; search the new one from BASE_PLPMTU.
  if (c.pmtud.restart(now, c.spaces[APPLICATION].nextPn)) applyPmtu(c);
  c.rtt.reset();
  const cc = c.cc as unknown as {
    congestionWindow: number;
    ssthresh: number;
    recoveryStartTime: number;
    onPersistentCongestion(now: number): void;
  };
  cc.onPersistentCongestion(now); // Clears algorithm state (e.g. CUBIC's epoch).
  cc.congestionWindow = initialWindow(c.maxDatagramSize);
  cc.ssthresh = Infinity;
  // Losses of packets sent on the old path must not shrink the new path's
  // window (§9.4): they were sent before this "recovery" period started.
  cc.recoveryStartTime = now;
}

/** Earliest path timer (challenge retry or validation deadline), Infinity when none. */
export function pathDeadline(c: ConnCore): number {
  const pm = c.paths;
  let t = Math.min(pm.active.retryAt, pm.active.validationDeadline);
  if (pm.fallback) t = Math.min(t, pm.fallback.retryAt, pm.fallback.validationDeadline);
  for (const p of pm.others) t = Math.min(t, p.retryAt, p.validationDeadline);
  return t;
}

/** Fires path timers due at `now`: challenge retries and validation failures (§8.2.4). */
export function onPathTimeout(c: ConnCore, now: number): void {
  const pm = c.paths;
  // The active path last: reverting makes the fallback active (§9.3.2).
  const all = [...pm.others, ...(pm.fallback ? [pm.fallback] : []), pm.active];
  for (const p of all) {
    if (now >= p.validationDeadline) {
      stopValidation(p);
      pm.validationFailures++;
      if (p === pm.active) {
        if (!p.validated) onActivePathFailed(c, now);
      } else if (!p.validated) pm.drop(p);
      continue;
    }
    if (now >= p.retryAt) {
      p.retryAt = Infinity;
      p.challengeDue = true;
    }
  }
}

/** §9.3.2: validation of the active path failed. */
function onActivePathFailed(c: ConnCore, now: number): void {
  const pm = c.paths;
  if (!c.isServer) return; // The client's old socket is gone; the idle timer decides.
  const failed = pm.active;
  const back = pm.fallback;
  if (!back) {
    // No validated path to go back to: close silently (§9.3.2).
    c.emit({
      type: "connectionClosed",
      code: 0x10, // NO_VIABLE_PATH
      reason: "path validation failed",
      isApplication: false,
      byPeer: false,
      kind: "close",
    });
    enterClosed(c, now);
    return;
  }
  pm.fallback = undefined;
  pm.active = back;
  pm.drop(back);
  pm.drop(failed);
  c.remote = back.remote;
  c.addressValidated = true;
  c.amplificationReceived = 0;
  c.amplificationSent = 0;
  pm.reverts++;
  updateAmplificationLimit(c, now);
}

/**
 * Whether the client may migrate now (§9): handshake confirmed, the peer did
 * not set disable_active_migration, both sides use non-zero-length CIDs and
 * the peer gave us a spare CID for the new path (§9.5).
 */
export function canMigrate(c: ConnCore): boolean {
  return !c.isServer && c.handshakeConfirmed && c.phase === ConnPhase.ESTABLISHED &&
    c.peerParams?.disableActiveMigration !== true && c.localCids.cidLength > 0 &&
    c.peerCids.current.cid.length > 0 && c.peerCids.spare.size > 0;
}

/**
 * Client: the driver rebound the socket to a new local address. Switches to a
 * fresh peer CID (retiring the old one, §9.5) and validates the new path with
 * PATH_CHALLENGE (§9.2); stream data keeps flowing meanwhile. Once validated,
 * congestion and RTT state restart (§9.4). Returns false (nothing changed)
 * when {@link canMigrate} does not hold.
 */
export function onLocalAddressChanged(c: ConnCore, now: number): boolean {
  if (!canMigrate(c) || !c.peerCids.rotate()) return false;
  const p = c.paths.active;
  p.validated = false;
  p.challenges.length = 0;
  c.paths.responses.length = 0; // Challenges of the old path are answered there or never.
  c.paths.migrations++;
  startValidation(c, p, now);
  return true;
}

/**
 * Builds a datagram holding a PATH_RESPONSE and/or PATH_CHALLENGE into `buf`
 * if one is due; returns its length (0 when none) and sets
 * {@link PathManager.txRemote} to its destination.
 */
export function pollPathTransmit(c: ConnCore, buf: Uint8Array, now: number): number {
  const pm = c.paths;
  if (c.phase !== ConnPhase.ESTABLISHED || !c.handshakeComplete) return 0;
  const s = c.spaces[APPLICATION];
  if (!s.writeKeys) return 0;
  // Pick a path with work: responses first (must not be delayed, §8.2.2).
  let path: Path | undefined = pm.responses[0]?.path;
  if (!path) {
    if (pm.active.challengeDue) path = pm.active;
    else if (pm.fallback?.challengeDue) path = pm.fallback;
    else path = pm.others.find((p) => p.challengeDue);
  }
  if (!path) return 0;
  const limit = Math.min(buf.length, budgetOf(c, path));
  if (limit < MIN_PROBE) {
    // Amplification-limited: wait for more bytes from the peer on that path.
    if (pm.responses[0]?.path === path) pm.responses.shift(); // Cannot answer; never delay others.
    return 0;
  }
  const pn = s.nextPn;
  const dcid = c.peerCids.current.cid;
  const pnLength = encodePacketNumberLength(pn, c.recovery.largestAckedIn(APPLICATION));
  let p = writeShortHeader(buf, 0, {
    dcid,
    packetNumber: pn,
    pnLength,
    keyPhase: c.keyPhase === 1,
  });
  const pnOffset = 1 + dcid.length;
  // §8.2.2: PATH_RESPONSEs for this path, each sent once.
  for (let i = 0; i < pm.responses.length && limit - TAG - p >= 9;) {
    if (pm.responses[i].path !== path) {
      i++;
      continue;
    }
    buf[p++] = 0x1b; // PATH_RESPONSE (§19.18)
    buf.set(pm.responses[i].data, p);
    p += 8;
    pm.responses.splice(i, 1);
  }
  const padTo = Math.min(PATH_PROBE_SIZE, limit);
  // §8.2.1: one PATH_CHALLENGE per packet, with unpredictable data.
  if (path.challengeDue && limit - TAG - p >= 9) {
    const data = c.random(8).slice(0, 8);
    buf[p++] = 0x1a; // PATH_CHALLENGE (§19.17)
    buf.set(data, p);
    p += 8;
    if (path.challenges.length >= MAX_CHALLENGES) path.challenges.shift();
    path.challenges.push({ data, padded: padTo >= PATH_PROBE_SIZE });
    path.challengeDue = false;
    // Retries back off like PTO (§9.4: "MUST NOT be more aggressive").
    path.retryAt = Math.min(now + path.retryInterval, path.validationDeadline);
    path.retryInterval *= 2;
  }
  // PADDING up to 1200 bytes within the amplification limit (§8.2.1, §8.2.2).
  const end = Math.max(padTo - TAG, pnOffset + 4);
  if (p < end) {
    buf.fill(0, p, end);
    p = end;
  }
  const len = protectPacket(buf, 0, pnOffset, pnLength, pn, p, s.writeKeys);
  s.nextPn = pn + 1;
  // Outside bytes in flight and not armed for PTO: our own timer retries (§9.4).
  c.recovery.onPacketSent(APPLICATION, pn, now, len, false, false, undefined);
  c.packetsWithCurrentKeys++;
  c.applicationPacketsSent++;
  c.stats.packetsSent++;
  c.stats.datagramsSent++;
  c.stats.bytesSent += len;
  if (path === pm.active) {
    if (!c.addressValidated) {
      c.amplificationSent += len;
      if (c.isServer) updateAmplificationLimit(c, now);
    }
  } else if (!path.validated) path.bytesSent += len;
  pm.txRemote = path.remote;
  return len;
}
