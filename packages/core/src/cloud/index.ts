/**
 * ECR Cloud: a QFPay terminal reached through QFPay's OpenAPI (`/ecr/v1/...`), signed with an
 * app code and client key, with results arriving by notification or query. Node only (undici,
 * node:crypto).
 */
export { QFPayCloudTerminal } from './qfpay-cloud-terminal.js';
export { CLOUD_DEFAULTS, QFPayCloudTerminalOptionsSchema, parseCloudOptions, type CloudConnection, type QFPayCloudTerminalOptions } from './options.js';
export { CLOUD_ENVIRONMENTS, CLOUD_ENVIRONMENT_NAMES, resolveCloudEndpoint, type CloudEndpoint, type CloudEnvironment, type CloudEnvironmentName } from './environments.js';
export { cloudAuthHeaders, parseSignType, signatureBase, signCloudRequest, verifyCloudSignature, type CloudParams, type CloudSignType } from './signing.js';
export { CloudReplySchema, decodeCloudReply, parseCloudTransaction, type CloudReply } from './schemas.js';
export { CLOUD_PATHS, type CloudQueryPath } from './client.js';
export { CLOUD_CODE_HINTS, CloudRequestError } from './codes.js';
export { CLOUD_CANCELLED_CODES } from './judge.js';
export { notificationSourceFromEmitter, type CloudNotificationListener, type CloudNotificationSource, type EmitterSourceOptions } from './notifications.js';
