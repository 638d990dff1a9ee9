// `npm run secrets:reseal`: step 2 of a GATEWAY_ENCRYPTION_KEY rotation (docs/operations.md). With the new key in
// GATEWAY_ENCRYPTION_KEY and the old one(s) in GATEWAY_PREVIOUS_ENCRYPTION_KEYS, re-seals every stored secret under
// the new key. Safe to run while the services run, and to run again. Exits 1 if a secret could not be opened.
import { join } from 'node:path';
import { ensureBuilt, ensureDependencies, log, ROOT } from './lib/util.mjs';

ensureDependencies();
ensureBuilt();
const { SecretBox } = await import(join(ROOT, 'dist/libs/security/src/secret-box.js'));
const { resealAllSecrets } = await import(join(ROOT, 'dist/libs/persistence/src/reseal-secrets.js'));

const key = process.env.GATEWAY_ENCRYPTION_KEY;
const previous = (process.env.GATEWAY_PREVIOUS_ENCRYPTION_KEYS ?? '')
  .split(',')
  .map((k) => k.trim())
  .filter(Boolean);
if (!key || !process.env.DATABASE_URL) {
  log('secrets', 'set DATABASE_URL, GATEWAY_ENCRYPTION_KEY (new) and GATEWAY_PREVIOUS_ENCRYPTION_KEYS (old)');
  process.exit(2);
}
const box = new SecretBox(key, previous);
const report = await resealAllSecrets(process.env.DATABASE_URL, box);
let unreadable = 0;
for (const [table, { resealed, unreadable: ids }] of Object.entries(report)) {
  log('secrets', `${table}: ${resealed} secret(s) re-sealed under key ${box.keyId}`);
  if (ids.length) log('secrets', `${table}: ${ids.length} row(s) sealed with a key not given: ${ids.join(', ')}`);
  unreadable += ids.length;
}
process.exit(unreadable ? 1 : 0);
