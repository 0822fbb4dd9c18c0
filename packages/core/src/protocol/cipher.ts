import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ConfigError, DecodeError } from '../errors.js';

/** QFPay's fixed AES-CBC initialisation vector (16 ASCII bytes). */
export const ECR_IV = Buffer.from('qfpay202306_hjsh', 'utf8');

/** Turns a POS-KEY into AES key bytes; only 16, 24 or 32 UTF-8 bytes make a valid key. */
export function aesKeyFromPosKey(posKey: string): Buffer {
  const key = Buffer.from(posKey, 'utf8');
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new ConfigError(
      'CONFIG_POS_KEY_LENGTH',
      `POS-KEY is ${key.length} bytes long; AES needs 16, 24 or 32`,
      'copy the POS-KEY exactly as shown in Haojin (My → Settings → POS-Key) or MMS → Device Settings → POS Key Mgmt; it is usually 32 characters',
    );
  }
  return key;
}

/** AES-CBC/PKCS#7 encrypt UTF-8 text under the POS-KEY; returns standard Base64. */
export function encryptToBase64(plaintext: string, posKey: string): string {
  const key = aesKeyFromPosKey(posKey);
  const cipher = createCipheriv(`aes-${key.length * 8}-cbc`, key, ECR_IV);
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Reverses {@link encryptToBase64}; throws {@link DecodeError} when the text is not ours. */
export function decryptFromBase64(base64: string, posKey: string): string {
  const key = aesKeyFromPosKey(posKey);
  const compact = base64.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new DecodeError('DECODE_NOT_BASE64', 'encrypted body is not Base64', 'check that both sides use encryption and the same POS-KEY');
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length % 16 !== 0) {
    throw new DecodeError('DECODE_BAD_CIPHERTEXT', 'ciphertext is not a whole number of AES blocks', 'check that both sides use the same POS-KEY');
  }
  try {
    const decipher = createDecipheriv(`aes-${key.length * 8}-cbc`, key, ECR_IV);
    return Buffer.concat([decipher.update(bytes), decipher.final()]).toString('utf8');
  } catch (cause) {
    throw new DecodeError('DECODE_DECRYPT_FAILED', 'could not decrypt the body with this POS-KEY', 'check that both sides use the same POS-KEY', { cause });
  }
}
