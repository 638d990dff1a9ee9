import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/** Lints a probe file placed inside a project with the repository's ESLint config (as CI does), then removes it. */
function lintProbe(relativePath: string, source: string): string[] {
  const file = join(ROOT, relativePath);
  writeFileSync(file, source);
  try {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/eslint/bin/eslint.js'), '--format', 'json', file],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
    return result!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  } finally {
    rmSync(file, { force: true });
  }
}

describe('module boundaries (Nx tags, enforced by lint)', () => {
  jest.setTimeout(60_000);

  beforeAll(() => {
    // The rule reads Nx's project graph; without it the rule would silently skip.
    execFileSync(process.execPath, [join(ROOT, 'node_modules/nx/dist/bin/nx.js'), 'show', 'projects'], {
      cwd: ROOT,
      stdio: 'ignore',
    });
  });

  it('fails an app that imports another app', () => {
    const messages = lintProbe(
      'apps/ingest/src/boundary-probe.ts',
      "import { FanoutConfig } from '../../fanout/src/fanout.config';\nexport const probe = FanoutConfig;\n",
    );
    expect(messages.join('\n')).toMatch(/imported by a relative or absolute path|tags/);
  });

  it('fails a lib that imports an app', () => {
    const messages = lintProbe(
      'libs/contracts/src/boundary-probe.ts',
      "import { IngestConfig } from '../../../apps/ingest/src/ingest.config';\nexport const probe = IngestConfig;\n",
    );
    expect(messages.length).toBeGreaterThan(0);
  });

  it('lets an app import a lib', () => {
    const messages = lintProbe(
      'apps/ingest/src/boundary-probe.ts',
      "import { Topics } from '@gateway/contracts';\nexport const probe = Topics.events;\n",
    );
    expect(messages).toEqual([]);
  });
});
