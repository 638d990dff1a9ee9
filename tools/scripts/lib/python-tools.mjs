// Python CLIs some tests run (Schemathesis, which fuzzes the admin API from its OpenAPI document): each installed
// once from PyPI, at the version pinned here, into its own virtual environment in .data/toolchains/<name>-<version>/.
// Needs Python 3.9+ with venv (Debian: python3-venv) and PyPI the first time; later runs reuse the environment.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, log } from './util.mjs';

/** Pinned versions: one place to bump. `binary` is the command the package installs. */
export const PYTHON_TOOLS = {
  schemathesis: { pkg: 'schemathesis', version: '4.32.5', binary: 'st' },
};

/**
 * The path of tool `name`'s command, installing it first when missing. An environment left half-made by an
 * interrupted install (no `.complete` marker) is made again: a venv cannot be moved into place atomically, since its
 * scripts name their own absolute path.
 */
export function ensurePythonTool(name) {
  const tool = PYTHON_TOOLS[name];
  const dir = join(ROOT, '.data/toolchains', `${name}-${tool.version}`);
  const binary = join(dir, 'bin', tool.binary);
  const complete = join(dir, '.complete');
  if (existsSync(complete) && existsSync(binary)) return binary;

  log('build', `installing ${tool.pkg} ${tool.version} from PyPI, once (cached in ${relative(ROOT, dir)})…`);
  rmSync(dir, { recursive: true, force: true });
  const python = process.env.PYTHON ?? 'python3';
  const venv = spawnSync(python, ['-m', 'venv', dir], { stdio: 'inherit' });
  if (venv.status !== 0)
    throw new Error(
      `${python} -m venv failed (exit ${venv.status}): ${name} needs Python 3.9+ with venv (python3-venv)`,
    );
  const pip = spawnSync(
    join(dir, 'bin', 'python'),
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', `${tool.pkg}==${tool.version}`],
    { stdio: 'inherit', env: { ...process.env, PIP_REQUIRE_VIRTUALENV: '1' } },
  );
  if (pip.status !== 0) throw new Error(`pip install ${tool.pkg}==${tool.version} failed (exit ${pip.status})`);
  if (!existsSync(binary)) throw new Error(`${tool.pkg} ${tool.version} installed no ${tool.binary} command`);
  writeFileSync(complete, `${tool.pkg}==${tool.version}\n`);
  return binary;
}
