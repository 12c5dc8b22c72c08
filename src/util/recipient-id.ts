import { randomBytes } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * A phishing drill's recipient id — the tracking token in links, the `X-Firedrill-Recipient`
 * header and the store's key alike: `fd` + 26 base32 letters, 130 random bits, never derived
 * from the address. Lower-case letters and digits only, so it survives being forwarded, quoted
 * or pasted (the reporting mailbox finds it in free text), and a URL needs no escaping.
 */
export function newRecipientId(): string {
  const bytes = randomBytes(17);
  let bits = 0;
  let value = 0;
  let id = 'fd';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && id.length < 28) {
      id += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return id;
}

export function isRecipientId(text: string): boolean {
  return /^fd[a-z2-7]{26}$/.test(text);
}
