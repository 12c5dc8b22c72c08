import { randomBytes, randomInt } from 'node:crypto';

/*
 * Toxiproxy tags every answer with `X-Toxiproxy-Request-Id`, an xid: 12 bytes (seconds since
 * the epoch, 3 bytes of machine, 2 of process id, a 3-byte counter) written as 20 characters of
 * lowercase base32hex. Ours has the same shape, so a client's log reads the same.
 */

export const REQUEST_ID_HEADER = 'X-Toxiproxy-Request-Id';

const DIGITS = '0123456789abcdefghijklmnopqrstuv';
const machine = randomBytes(3);
let counter = randomInt(0, 0x1000000);

export function requestId(now = Date.now()): string {
  const id = Buffer.alloc(12);
  id.writeUInt32BE(Math.floor(now / 1000) >>> 0, 0);
  machine.copy(id, 4);
  id.writeUInt16BE(process.pid & 0xffff, 7);
  counter = (counter + 1) & 0xffffff;
  id.writeUIntBE(counter, 9, 3);
  let text = '';
  // 96 bits in 5-bit digits: 19 whole digits, then the last bit padded (xid drops the rest).
  for (let bit = 0; bit < 96; bit += 5) {
    let digit = 0;
    for (let i = 0; i < 5; i++) {
      const at = bit + i;
      const set = at < 96 && ((id[at >> 3] ?? 0) >> (7 - (at & 7))) & 1;
      digit = (digit << 1) | (set ? 1 : 0);
    }
    text += DIGITS[digit];
  }
  return text;
}
