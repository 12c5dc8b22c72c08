import { isIP } from 'node:net';

/**
 * IP ranges written as CIDR (`203.0.113.0/24`, `2001:db8::/32`), matched against a client
 * address. An IPv4-mapped IPv6 address (`::ffff:203.0.113.9`, what a dual-stack server sees)
 * matches IPv4 ranges. node:net only validates; the arithmetic is BigInt, one family per range.
 */

export interface Cidr {
  readonly text: string;
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly prefix: number;
}

/** A range, or a RangeError naming the text. */
export function parseCidr(text: string): Cidr {
  const [address = '', prefixText, extra] = text.trim().split('/');
  const family = isIP(address);
  const bits = family === 6 ? 128 : 32;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if ((family !== 4 && family !== 6) || extra !== undefined || !(prefix >= 0 && prefix <= bits))
    throw new RangeError(`${JSON.stringify(text)} is not a CIDR range (e.g. 203.0.113.0/24 or 2001:db8::/32)`);
  return { text, family, network: mask(addressBits(address, family), prefix, bits), prefix };
}

/** Whether `address` (as the server saw it) lies in one of the ranges. */
export function inRanges(address: string, ranges: readonly Cidr[]): Cidr | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped ? (mapped[1] as string) : address;
  const family = isIP(plain);
  if (family !== 4 && family !== 6) return undefined;
  const value = addressBits(plain, family);
  const bits = family === 6 ? 128 : 32;
  return ranges.find((range) => range.family === family && mask(value, range.prefix, bits) === range.network);
}

function mask(value: bigint, prefix: number, bits: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return value & (all ^ ((1n << BigInt(bits - prefix)) - 1n));
}

function addressBits(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split('.').reduce((sum, part) => (sum << 8n) | BigInt(Number(part)), 0n);
  let text = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const value = addressBits(v4[1] as string, 4);
    text = text.slice(0, v4.index) + `${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].reduce((sum, group) => (sum << 16n) | BigInt(parseInt(group, 16)), 0n);
}
