import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/** CI's check that `npm install` left the lock as committed, for what installs on this machine. */
describe('tools/scripts/check-lock.mjs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'check-lock-'));
  const elsewhere = process.platform === 'darwin' ? 'win32' : 'darwin';
  const lock = (packages: Record<string, object>) => ({ name: 'x', lockfileVersion: 3, packages });
  const base = {
    '': { name: 'x', dependencies: { a: '^1.0.0' } },
    'node_modules/a': { version: '1.0.0', integrity: 'sha512-a', optionalDependencies: { 'a-bin': '1.0.0' } },
    'node_modules/a-here': { version: '1.0.0', optional: true, os: [process.platform], cpu: [process.arch] },
  };
  const check = (committed: object, installed: object) => {
    writeFileSync(join(dir, 'committed.json'), JSON.stringify(committed));
    writeFileSync(join(dir, 'installed.json'), JSON.stringify(installed));
    const run = spawnSync('node', [join(ROOT, 'tools/scripts/check-lock.mjs'), 'committed.json', 'installed.json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    return { status: run.status, stderr: run.stderr };
  };

  it("passes when only other platforms' optional binaries came or went", () => {
    const withOthers = lock({
      ...base,
      'node_modules/a-bin-other': { version: '1.0.0', optional: true, os: [elsewhere] },
      'node_modules/a-bin-not-here': { version: '1.0.0', optional: true, os: [`!${process.platform}`] },
    });
    expect(check(lock(base), withOthers).status).toBe(0);
    expect(check(withOthers, lock(base)).status).toBe(0);
  });

  it('fails, naming the entry, when anything that installs here changed, came or went', () => {
    const changed = check(lock(base), lock({ ...base, 'node_modules/a': { version: '1.0.1', integrity: 'sha512-b' } }));
    expect(changed.status).toBe(1);
    expect(changed.stderr).toContain('changed node_modules/a');

    const { 'node_modules/a-here': _here, ...withoutHere } = base;
    const removed = check(lock(base), lock(withoutHere));
    expect(removed.status).toBe(1);
    expect(removed.stderr).toContain('removed node_modules/a-here');

    const added = check(lock(base), lock({ ...base, 'node_modules/b': { version: '2.0.0' } }));
    expect(added.status).toBe(1);
    expect(added.stderr).toContain('added node_modules/b');
  });
});
