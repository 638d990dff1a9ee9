// `node tools/scripts/service-package.mjs <service> [--out DIR | --bundle DIR]`: the package.json of one service's
// image — only the production dependencies its compiled code can load. `--bundle DIR` makes the whole runnable
// service in DIR: that package.json, the lock, `npm install --omit=dev`, and the compiled code it needs (dist/libs
// and its own dist/apps/<service>); the Dockerfile copies exactly that into each service's image. Follows every require() from the service's entry point
// through dist/ (the apps and the libs they use), collects the packages named, and takes their version ranges from
// the root package.json. Fails when compiled code needs a package that is not a production dependency, so an
// image can never lack one. Used by the Dockerfile's build stage; run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Entry points, as compiled by `npm run build`. `migrate` is the one-off schema job. */
export const ENTRY_POINTS = {
  ingest: 'dist/apps/ingest/src/main.js',
  fanout: 'dist/apps/fanout/src/main.js',
  'qerko-bridge': 'dist/apps/qerko-bridge/src/main.js',
  'admin-api': 'dist/apps/admin-api/src/main.js',
  migrate: 'dist/libs/persistence/src/migrate.main.js',
};

/**
 * Packages that a dependency loads by name at run time, which no require() in our code shows: TypeORM's
 * PostgreSQL driver (and the peer @nestjs/common needs). Nest's HTTP platform is not one of them: every service's
 * main passes its adapter (Express's or Fastify's), so the scan sees which one it loads.
 */
const LOADED_AT_RUN_TIME = {
  typeorm: ['pg'],
  '@nestjs/common': ['rxjs'],
};

/** Files a service serves besides its code (copied into its bundle as they are). */
const ASSETS = {
  'admin-api': ['dist/console'], // the web console's static build
};

const BUILTINS = new Set(builtinModules);
const REQUIRE = /\brequire\(\s*["']([^"']+)["']\s*\)/g;

/** The package a bare specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function resolveLocal(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [base, `${base}.js`, join(base, 'index.js')]) {
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      /* next */
    }
  }
  throw new Error(`${fromFile} requires ${specifier}, which is not in dist/ (run npm run build)`);
}

/** Every package the compiled code reachable from `entry` requires (statically or lazily). */
export function packagesUsedBy(entry, root = ROOT) {
  const seen = new Set();
  const packages = new Set();
  const pending = [resolve(root, entry)];
  while (pending.length) {
    const file = pending.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(REQUIRE)) {
      if (specifier.startsWith('.')) pending.push(resolveLocal(file, specifier));
      else if (!specifier.startsWith('node:') && !BUILTINS.has(specifier)) packages.add(packageOf(specifier));
    }
  }
  for (const [used, loaded] of Object.entries(LOADED_AT_RUN_TIME)) {
    if (packages.has(used)) loaded.forEach((name) => packages.add(name));
  }
  return { packages: [...packages].sort(), files: seen.size };
}

/** The service's package.json: the root's identity and engines, and only the dependencies it uses. */
export function servicePackage(service, root = ROOT) {
  const entry = ENTRY_POINTS[service];
  if (!entry) throw new Error(`unknown service "${service}"; one of: ${Object.keys(ENTRY_POINTS).join(', ')}`);
  const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const { packages } = packagesUsedBy(entry, root);
  const missing = packages.filter((name) => !rootPackage.dependencies?.[name]);
  if (missing.length) {
    throw new Error(`${service} needs ${missing.join(', ')}, which package.json lacks as production dependencies`);
  }
  return {
    name: `${rootPackage.name}-${service}`,
    version: rootPackage.version,
    private: true,
    license: rootPackage.license,
    engines: rootPackage.engines,
    main: entry,
    dependencies: Object.fromEntries(packages.map((name) => [name, rootPackage.dependencies[name]])),
  };
}

/** The runnable service in `dir`: its package.json and lock, its production dependencies, its compiled code. */
export function bundleService(service, dir, root = ROOT) {
  const manifest = servicePackage(service, root);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // The root lock pins every version; npm keeps only what this package.json needs.
  for (const file of ['package-lock.json', '.npmrc']) cpSync(join(root, file), join(dir, file));
  execFileSync('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  cpSync(join(root, 'dist/libs'), join(dir, 'dist/libs'), { recursive: true });
  if (manifest.main.startsWith('dist/apps/')) {
    cpSync(join(root, `dist/apps/${service}`), join(dir, `dist/apps/${service}`), { recursive: true });
  }
  for (const asset of ASSETS[service] ?? []) cpSync(join(root, asset), join(dir, asset), { recursive: true });
  return manifest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [service, flag, out] = process.argv.slice(2);
  try {
    if (flag === '--bundle' && out) {
      const manifest = bundleService(service, out);
      console.log(
        `${service}: ${Object.keys(manifest.dependencies).length} production dependencies, bundled in ${out}`,
      );
    } else if (flag === '--out' && out) {
      const manifest = servicePackage(service);
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      console.log(`${service}: ${Object.keys(manifest.dependencies).length} production dependencies → ${out}`);
    } else {
      process.stdout.write(`${JSON.stringify(servicePackage(service), null, 2)}\n`);
    }
  } catch (err) {
    console.error(`service-package: ${err.message}`);
    process.exit(1);
  }
}
