// `node tools/scripts/schemathesis.mjs <st arguments>`: Schemathesis as the tests run it over the admin API — the
// version pinned in lib/python-tools.mjs (installed once into .data/toolchains/), the settings of
// test/e2e/schemathesis.toml and the hooks of test/e2e/schemathesis_hooks.py. For example, against `npm start`:
//   node tools/scripts/schemathesis.mjs run http://localhost:3000/docs-json -H "Authorization: Bearer $KEY"
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensurePythonTool } from './lib/python-tools.mjs';
import { ROOT } from './lib/util.mjs';

const st = ensurePythonTool('schemathesis');
const args = process.argv.slice(2);
const config = args.includes('--config-file') ? [] : ['--config-file', join(ROOT, 'test/e2e/schemathesis.toml')];
const run = spawnSync(st, [...config, ...args], {
  stdio: 'inherit',
  env: {
    SCHEMATHESIS_HOOKS: join(ROOT, 'test/e2e/schemathesis_hooks.py'),
    // Hypothesis's own files (a Unicode cache) go beside the other tools', not into the working directory.
    HYPOTHESIS_STORAGE_DIRECTORY: join(ROOT, '.data/hypothesis'),
    ...process.env,
  },
});
process.exit(run.status ?? 1);
