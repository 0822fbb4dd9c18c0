/**
 * The codec of the direct topology: requests are signed and encrypted by a server-side
 * {@link RequestSigner} (the POS-KEY never reaches the browser); replies are read as plain JSON
 * (what terminals send over HTTPS). An encrypted reply cannot be read here: use the bridge.
 */
import { DecodeError, QfpayEcrError } from '@qfpay-ecr/core';
import { decodeReplyBody } from '@qfpay-ecr/core/protocol';
import type { EcrCodec } from '@qfpay-ecr/core/terminal';
import { AdapterConfigError } from '../errors.js';
import type { RequestSigner } from './signer.js';

/** An {@link EcrCodec} over a server-side signer. Signing failures reject with a typed error (nothing is sent then). */
export function signerCodec(signer: RequestSigner): EcrCodec {
  return {
    async encode(content, signal) {
      let ciphertext: string;
      try {
        ciphertext = await signer(content, signal);
      } catch (err) {
        throw err instanceof QfpayEcrError ? err : new AdapterConfigError('SIGNER_FAILED', 'signing failed', 'check the signing endpoint');
      }
      // The body is the Base64 ciphertext as a JSON string literal.
      return JSON.stringify(ciphertext);
    },
    decode(body) {
      try {
        return decodeReplyBody(body);
      } catch (err) {
        if (err instanceof DecodeError && err.code === 'DECODE_NEEDS_KEY') {
          throw new DecodeError('REPLY_ENCRYPTED', 'the terminal answered an encrypted reply, which this device cannot read', 'check the Haojin version; encrypted replies need the payment bridge', { cause: err });
        }
        throw err;
      }
    },
  };
}
