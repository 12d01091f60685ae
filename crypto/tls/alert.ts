/**
 * TLS alerts (RFC 8446 §6) as typed errors. In QUIC an alert becomes the
 * transport error CRYPTO_ERROR 0x0100 + alert (RFC 9001 §4.8).
 * @module
 */
import { QuicError, TransportErrorCode } from "../../quic/proto/errors.ts";

/**
 * TLS 1.3 alert descriptions (RFC 8446 §6).
 *
 * @example
 * ```ts
 * import { AlertDescription } from "@gquic/core/crypto";
 * console.log(AlertDescription.handshake_failure); // 40
 * ```
 */
export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;

const ALERT_NAMES: Map<number, string> = new Map(
  Object.entries(AlertDescription).map(([k, v]) => [v, k]),
);

/**
 * The RFC name of an alert code, e.g. `bad_certificate`.
 *
 * @example
 * ```ts
 * import { alertName } from "@gquic/core/crypto";
 * console.log(alertName(48)); // "unknown_ca"
 * ```
 */
export function alertName(alert: number): string {
  return ALERT_NAMES.get(alert) ?? `alert_${alert}`;
}

/**
 * A TLS failure carrying the alert to send. Convert to the QUIC transport
 * error with {@link TlsAlertError.toQuicError}.
 *
 * @example
 * ```ts
 * import { AlertDescription, TlsAlertError } from "@gquic/core/crypto";
 * const e = new TlsAlertError(AlertDescription.unknown_ca, "no trust anchor");
 * console.log(e.toQuicError().code.toString(16)); // "130"
 * ```
 */
export class TlsAlertError extends Error {
  /** The alert description (RFC 8446 §6). */
  readonly alert: number;

  /**
   * Creates an alert error.
   * @param alert alert description code
   * @param message human-readable reason
   */
  constructor(alert: number, message: string) {
    super(`${alertName(alert)}: ${message}`);
    this.name = "TlsAlertError";
    this.alert = alert;
  }

  /** The QUIC CRYPTO_ERROR for this alert (RFC 9001 §4.8). */
  toQuicError(): QuicError {
    return new QuicError(TransportErrorCode.CRYPTO_ERROR + this.alert, this.message);
  }
}
