import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZabcdefghjkmnpqrstvwxyz';

/**
 * `<prefix>_<time><random>`: sortable by creation time (milliseconds, 9 chars), then 16 random chars.
 * Time-ordered ids keep B-tree inserts local and make id order a sensible default order.
 */
export function newId(prefix: string, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 9; i++) {
    time = ALPHABET[t % ALPHABET.length] + time;
    t = Math.floor(t / ALPHABET.length);
  }
  let random = '';
  for (const byte of randomBytes16()) random += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${time}${random}`;
}

/**
 * 16 random bytes from a pool refilled 4 KiB at a time: one call into the CSPRNG per 256 ids instead of one per id
 * (fan-out makes two ids per delivery, and the per-call cost showed in its profile).
 */
const pool = Buffer.alloc(4096);
let offset = pool.length;
function randomBytes16(): Buffer {
  if (offset + 16 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return pool.subarray(offset, (offset += 16));
}
