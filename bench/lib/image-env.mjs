import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The runtime environment each service's image sets (Dockerfile `ENV` lines: the shared `runtime` stage, then the
 * service's own stage), so the benchmark runs every service with the heap and malloc settings production uses, from
 * the one place they are written.
 */
export function imageEnv(root, service) {
  const stages = new Map();
  let current = null;
  for (const line of readFileSync(join(root, 'Dockerfile'), 'utf8').split('\n')) {
    const from = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(line);
    if (from) stages.set((current = from[1]), {});
    const env = /^ENV\s+([A-Z_][A-Z0-9_]*)=(?:"([^"]*)"|(\S+))\s*$/.exec(line);
    if (env && current) stages.get(current)[env[1]] = env[2] ?? env[3];
  }
  if (!stages.has(service)) throw new Error(`the Dockerfile has no stage "${service}"`);
  return { ...stages.get('runtime'), ...stages.get(service) };
}
