// Python CLIs some tests run (Schemathesis, which fuzzes the admin API from its OpenAPI document): each installed
// once from PyPI, at the versions pinned here and in its requirements file (every package it brings), into its own
// virtual environment in .data/toolchains/<name>-<version>/. Needs Python 3.9+ with venv (Debian: python3-venv,
// installed when missing and this user may) and PyPI the first time; later runs reuse the environment.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, log } from './util.mjs';

/**
 * Pinned versions: one place to bump. `binary` is the command the package installs; `requirements` pins it and every
 * package it brings (pip freeze of a working install), so a clean clone gets the same tool as the last run did.
 */
export const PYTHON_TOOLS = {
  schemathesis: {
    pkg: 'schemathesis',
    version: '4.32.5',
    binary: 'st',
    requirements: join(ROOT, 'tools/scripts/lib/schemathesis-requirements.txt'),
  },
};

/**
 * The path of tool `name`'s command, installing it first when missing. An environment left half-made by an
 * interrupted install, or made from other requirements, is made again (its `.complete` marker holds the requirements
 * it was made from): a venv cannot be moved into place atomically, since its scripts name their own absolute path.
 */
export function ensurePythonTool(name) {
  const tool = PYTHON_TOOLS[name];
  const dir = join(ROOT, '.data/toolchains', `${name}-${tool.version}`);
  const binary = join(dir, 'bin', tool.binary);
  const complete = join(dir, '.complete');
  const requirements = readFileSync(tool.requirements, 'utf8');
  if (existsSync(binary) && existsSync(complete) && readFileSync(complete, 'utf8') === requirements) return binary;
  if (!requirements.includes(`\n${tool.pkg}==${tool.version}\n`))
    throw new Error(`${relative(ROOT, tool.requirements)} does not pin ${tool.pkg}==${tool.version}`);

  log('build', `installing ${tool.pkg} ${tool.version} from PyPI, once (cached in ${relative(ROOT, dir)})…`);
  rmSync(dir, { recursive: true, force: true });
  const python = process.env.PYTHON ?? 'python3';
  const makeVenv = () => spawnSync(python, ['-m', 'venv', '--clear', dir], { stdio: 'inherit' }).status === 0;
  if (!makeVenv() && !(installVenvModule() && makeVenv()))
    throw new Error(`${python} -m venv failed: ${name} needs Python 3.9+ with venv (Debian: python3-venv)`);
  const pip = spawnSync(
    join(dir, 'bin', 'python'),
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', '-r', tool.requirements],
    { stdio: 'inherit', env: { ...process.env, PIP_REQUIRE_VIRTUALENV: '1' } },
  );
  if (pip.status !== 0)
    throw new Error(`pip install -r ${relative(ROOT, tool.requirements)} failed (exit ${pip.status})`);
  if (!existsSync(binary)) throw new Error(`${tool.pkg} ${tool.version} installed no ${tool.binary} command`);
  writeFileSync(complete, requirements);
  return binary;
}

/** Debian's python3 has no venv until python3-venv is installed: installs it when this user may (root, apt-get). */
function installVenvModule() {
  const canInstall = process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!canInstall) return false;
  log('build', 'installing python3-venv from Debian packages, once, for the Python tools…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'python3-venv'], { stdio: 'inherit', env });
  if (install().status === 0) return true;
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  return install().status === 0;
}
