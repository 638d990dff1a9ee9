import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZabcdefghjkmnpqrstvwxyz';
const CODES = Buffer.from(ALPHABET, 'latin1');
const TIME_CHARS = 9;
const RANDOM_CHARS = 16;
/** Where ids are assembled (grown for a longer prefix). */
let scratch = Buffer.alloc(64);

/**
 * `<prefix>_<time><random>`: sortable by creation time (milliseconds, 9 chars), then 16 random chars.
 * Time-ordered ids keep B-tree inserts local and make id order a sensible default order.
 *
 * Written into one scratch buffer and read out as one string (fan-out makes two ids per delivery; built a character
 * at a time, each id was some thirty intermediate strings).
 */
export function newId(prefix: string, now = Date.now()): string {
  const length = prefix.length + 1 + TIME_CHARS + RANDOM_CHARS;
  if (scratch.length < length) scratch = Buffer.alloc(length);
  let at = scratch.write(prefix, 0, 'latin1');
  scratch[at++] = 0x5f; // _
  let t = now;
  for (let i = at + TIME_CHARS - 1; i >= at; i--) {
    scratch[i] = CODES[t % CODES.length]!;
    t = Math.floor(t / CODES.length);
  }
  at += TIME_CHARS;
  const random = randomOffset();
  for (let i = 0; i < RANDOM_CHARS; i++) scratch[at + i] = CODES[pool[random + i]! % CODES.length]!;
  return scratch.toString('latin1', 0, length);
}

const pool = Buffer.alloc(4096);
let offset = pool.length;

/**
 * Where the next 16 random bytes start in a pool refilled 4 KiB at a time: one call into the CSPRNG per 256 ids
 * instead of one per id (the per-call cost showed in fan-out's profile).
 */
function randomOffset(): number {
  if (offset + RANDOM_CHARS > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += RANDOM_CHARS;
  return start;
}
