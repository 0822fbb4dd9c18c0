export { assertWireSafe, formatContent, parseFormattedContent, type WireContent, type WireValue } from './format.js';
export { computeDigest, digestFormatted, digestMatches } from './digest.js';
export { aesKeyFromPosKey, decryptFromBase64, encryptToBase64, ECR_IV } from './cipher.js';
export { buildEnvelope, decodeRequestBody, encodeRequestBody, type DecodedRequest } from './codec.js';
export { decodeResponseBody, encodeResponseBody, type EncodeResponseOptions } from './response.js';
export { decodeReplyBody, type DecodedResponse } from './reply-body.js';
export * from './codes.js';
export * from './schemas.js';
export { isCardField, looksLikePan, maskCardFields, maskPan } from './pan.js';
