// The real Helm and Compose CLIs for the deployment tests (test/deploy): the machine's own when present, else each
// built once from its Go module at the version pinned here and cached in .data/tools/<name>-<version>/. Building
// needs Go (this project's machines have it) and the Go module proxy; later runs reuse the binary.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, log } from './util.mjs';

/**
 * Pinned versions: one place to bump. `pkg` is the main package inside the module; `machine` lists the commands that
 * run the machine's own copy (each answers `version` when present).
 */
export const GO_TOOLS = {
  helm: {
    module: 'helm.sh/helm/v4',
    version: 'v4.3.2',
    pkg: './cmd/helm',
    binary: 'helm',
    machine: [['helm']],
  },
  compose: {
    // v5.6.0 is the newest release whose go.mod builds with the machines' Go 1.26.8 (v5.7 asks for 1.26.10).
    module: 'github.com/docker/compose/v5',
    version: 'v5.6.0',
    pkg: './cmd',
    binary: 'docker-compose',
    machine: [['docker', 'compose'], ['docker-compose']],
  },
};

const succeeds = (command, args) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

/**
 * The command (argv prefix) that runs tool `name`: the machine's own when it answers, else the cached build,
 * building it first when missing.
 */
export function ensureGoTool(name) {
  const tool = GO_TOOLS[name];
  for (const command of tool.machine) if (succeeds(command[0], [...command.slice(1), 'version'])) return command;

  const dir = join(ROOT, '.data/tools', `${name}-${tool.version}`);
  const binary = join(dir, tool.binary);
  if (existsSync(binary)) return [binary];
  if (!succeeds('go', ['version'])) {
    // Not Debian's golang-go: bookworm's 1.19 is too old to build either tool.
    throw new Error(
      `the deployment tests need ${name}: install it, or Go 1.26+ to build ${tool.module}@${tool.version} once`,
    );
  }
  log('build', `building ${name} ${tool.version} from its Go module, once (cached in ${relative(ROOT, dir)})…`);
  const env = { ...process.env, GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' };
  // `go install module@version` refuses modules whose go.mod has replace or exclude directives (Compose has), so
  // the module is downloaded and built as the main module, in the module cache's read-only copy.
  const download = spawnSync('go', ['mod', 'download', '-json', `${tool.module}@${tool.version}`], {
    env,
    encoding: 'utf8',
  });
  if (download.status !== 0)
    throw new Error(`go mod download ${tool.module}@${tool.version} failed: ${download.stdout}${download.stderr}`);
  const source = JSON.parse(download.stdout).Dir;
  mkdirSync(dir, { recursive: true });
  const scratch = `${binary}.partial`;
  rmSync(scratch, { force: true });
  const build = spawnSync('go', ['build', '-trimpath', '-o', scratch, tool.pkg], {
    cwd: source,
    env,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error(`building ${name} ${tool.version} failed (go build exit ${build.status})`);
  renameSync(scratch, binary);
  return [binary];
}
