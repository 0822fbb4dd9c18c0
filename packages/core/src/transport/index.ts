/** HTTP(S) transport to a QFPay ECR terminal (Node only: undici, node:tls, node:crypto). */
export {
  createEcrTransport,
  EcrTransportOptionsSchema,
  DEFAULT_ECR_PORT,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  type EcrTransport,
  type EcrTransportOptions,
  type EcrHttpResponse,
  type PostOptions,
  type UndiciEcrTransport,
} from './transport.js';
export {
  QFPAY_CA_FINGERPRINT_SHA256,
  QFPAY_CA_FINGERPRINT_SHA1,
  QFPAY_CA_PATH,
  inspectCa,
  loadTrustedCa,
  normaliseFingerprint,
  type CaInfo,
  type TrustedCa,
} from './ca.js';
export { checkTerminalIdentity } from './identity.js';
export { classifyConnectFailure } from './connector.js';
export * from './errors.js';
