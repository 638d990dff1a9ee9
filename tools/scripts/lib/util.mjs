// Small helpers shared by the project's scripts (start, test, migrate, bench). Node built-ins only.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

const COLORS = { kafka: 35, postgres: 34, build: 90, gateway: 32, test: 36 };
export function log(tag, message) {
  const color = process.stdout.isTTY ? (COLORS[tag] ?? 37) : null;
  const label = color ? `\x1b[${color}m[${tag}]\x1b[0m` : `[${tag}]`;
  process.stdout.write(`${label} ${message}\n`);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves true when the child exits within `ms`, false otherwise. */
export function waitForExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Installs dependencies when node_modules is missing or older than package-lock.json. */
export function ensureDependencies() {
  const lock = join(ROOT, 'package-lock.json');
  const marker = join(ROOT, 'node_modules/.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  // `npm install` with the committed lock (see .ci/run for why not `npm ci`).
  log('build', 'installing dependencies (npm install, from package-lock.json)…');
  run('npm', ['install', '--no-audit', '--no-fund']);
}

/** Compiles the services (and the console) into dist/ when any source file is newer than the last build. */
export function ensureBuilt({ force = false } = {}) {
  const stamp = join(ROOT, 'dist/.build-stamp');
  if (!force && existsSync(stamp)) {
    const built = statSync(stamp).mtimeMs;
    const sources = ['apps', 'libs'].flatMap((dir) => listSources(join(ROOT, dir)));
    const configs = ['tsconfig.base.json', 'tsconfig.build.json', 'package-lock.json'].map((f) => join(ROOT, f));
    if (![...sources, ...configs].some((file) => statSync(file).mtimeMs > built)) return;
  }
  log('build', 'compiling the services (tsc) and the console (vite)…');
  run('npm', ['run', '--silent', 'build']);
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

function listSources(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : listSources(path);
    return /\.(ts|tsx|css|html)$/.test(entry.name) ? [path] : [];
  });
}

export function run(cmd, args, options = {}) {
  const res = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${res.status ?? res.signal})`);
  return res;
}

/** `count` free TCP ports on loopback. */
export function freePorts(count) {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolve(port));
          });
        }),
    ),
  );
}

/**
 * A tool some tests need, from Debian's packages: installed when missing and this user may (root with apt-get),
 * else a message saying what to install.
 */
function ensureDebianPackage({ probe, pkg, why }) {
  if (spawnSync(probe[0], probe.slice(1), { stdio: 'ignore' }).status === 0) return;
  const canInstall = process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!canInstall) throw new Error(`${why} needs \`${probe[0]}\`: install it (Debian package ${pkg})`);
  log('build', `installing ${pkg} from Debian packages, once, for ${why}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'inherit', env });
  if (install().status !== 0) {
    run('apt-get', ['update', '-qq']);
    if (install().status !== 0) throw new Error(`apt-get install ${pkg} failed`);
  }
}

/** Python 3, which runs the seed's signature-verification snippet (libs/webhooks). */
export function ensurePython() {
  ensureDebianPackage({ probe: ['python3', '--version'], pkg: 'python3', why: 'the seed Python snippet test' });
}

/** Chromium, which playwright-core drives for the console's browser tests (browsers cannot be downloaded here). */
export function ensureChromium() {
  ensureDebianPackage({ probe: ['chromium', '--version'], pkg: 'chromium', why: 'the console browser test' });
}
