#!/usr/bin/env node
// Did `npm install` change what it installs here? CI runs `npm install` with the committed lock (see .ci/run), then
// this, instead of `git diff --exit-code package-lock.json`: the registry's metadata for other platforms' optional
// binaries (@swc/core-darwin-*, …) has come and gone from day to day, and npm adds or drops their lock entries
// accordingly, which installs nothing different on this machine. Every other entry must be exactly as committed.
//
//   node tools/scripts/check-lock.mjs                      committed lock (git HEAD) against ./package-lock.json
//   node tools/scripts/check-lock.mjs COMMITTED INSTALLED  two lock files
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [committedFile, installedFile] = process.argv.slice(2);
const committed = JSON.parse(
  committedFile
    ? readFileSync(committedFile, 'utf8')
    : execFileSync('git', ['show', 'HEAD:package-lock.json'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }),
);
const installed = JSON.parse(readFileSync(installedFile ?? 'package-lock.json', 'utf8'));

const libc = process.report?.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
/** An optional package that npm would not install on this machine (its os, cpu or libc is another's). */
function elsewhere(entry) {
  if (!entry.optional) return false;
  return !(allows(entry.os, process.platform) && allows(entry.cpu, process.arch) && allows(entry.libc, libc));
}

/** npm's reading of `os`, `cpu` and `libc`: any listed value, or anything but a `!`-negated one; absent: any. */
function allows(list, value) {
  if (!Array.isArray(list) || !list.length) return true;
  if (list.includes(`!${value}`)) return false;
  const positive = list.filter((v) => !v.startsWith('!'));
  return !positive.length || positive.includes(value);
}

function entries(lock) {
  const out = new Map();
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!elsewhere(entry)) out.set(path, JSON.stringify(entry));
  }
  return out;
}

const before = entries(committed);
const after = entries(installed);
const changes = [];
for (const [path, entry] of before) {
  if (!after.has(path)) changes.push(`removed ${path || '(root)'}`);
  else if (after.get(path) !== entry) changes.push(`changed ${path || '(root)'}`);
}
for (const path of after.keys()) if (!before.has(path)) changes.push(`added ${path || '(root)'}`);

if (changes.length) {
  console.error(
    `npm install changed the lock for this machine (${changes.length} entries); run npm install, commit package-lock.json:`,
  );
  for (const change of changes.slice(0, 30)) console.error(`  ${change}`);
  process.exit(1);
}
const ignored = Object.keys(installed.packages ?? {}).length - after.size;
console.log(
  `package-lock.json: what installs here is as committed (${ignored} other platforms' optional entries not compared)`,
);
