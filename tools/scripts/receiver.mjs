// `npm run receiver -- --secret whsec_…|whpk_… [--port 9999] [--count N --timeout S]`: a local webhook endpoint for
// trying the gateway. It listens on http://127.0.0.1:<port> (any path), checks each delivery's signature and prints one line per
// delivery: event type, webhook-id, `signature: verified` (answer 204) or `signature: INVALID` (answer 401).
// Node built-ins only, so that it shows all a receiver needs.
import { createHmac, createPublicKey, timingSafeEqual, verify } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const USAGE = `usage: npm run receiver -- --secret <endpoint secret> [--port 9999] [--count N] [--timeout S]
  --secret   the endpoint's signing secret, or its publicKey (whpk_…) for signatureScheme v1a
             (GET /v1/endpoints/{id}/secret); or RECEIVER_SECRET
  --port     where to listen on 127.0.0.1 (default 9999); or RECEIVER_PORT
  --count    exit after N deliveries: 0 when all of them verified, 1 otherwise
  --timeout  with --count: give up after S seconds (exit 1)`;

const { values: flags } = parseArgs({
  options: {
    secret: { type: 'string' },
    port: { type: 'string' },
    count: { type: 'string' },
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const secret = flags.secret ?? process.env.RECEIVER_SECRET;
const port = Number(flags.port ?? process.env.RECEIVER_PORT ?? 9999);
const count = flags.count === undefined ? Infinity : Number(flags.count);
const timeoutSeconds = flags.timeout === undefined ? undefined : Number(flags.timeout);
if (
  flags.help ||
  !secret ||
  !Number.isInteger(port) ||
  !(count > 0) ||
  (timeoutSeconds !== undefined && !(timeoutSeconds > 0))
) {
  console.error(USAGE);
  process.exit(flags.help ? 0 : 2);
}

/** Standard Webhooks (what the gateway sends by default): senders may sign a few minutes before it arrives, not more. */
const TOLERANCE_SECONDS = 5 * 60;

/**
 * The standard format's HMAC key is the base64 part of a `whsec_…` secret (the UTF-8 bytes of one you chose); the
 * `kaynko` format signs with the secret's UTF-8 bytes, as Kaynko does.
 */
const standardKey = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
/** A `whpk_…` public key (signatureScheme v1a): ed25519 signatures, `v1a,<base64>`, over the same content. */
const publicKey = secret.startsWith('whpk_')
  ? createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(secret.slice(5), 'base64').toString('base64url') },
      format: 'jwk',
    })
  : null;

function sameText(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `{type, id, problem}`: problem is null when the signature verifies. */
function check(headers, body) {
  if (headers['x-kaynko-signature'] !== undefined) {
    const expected = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
    return {
      type: headers['x-kaynko-event'] ?? '?',
      id: '(kaynko format: no id)',
      problem: sameText(headers['x-kaynko-signature'], expected) ? null : 'no matching X-Kaynko-Signature',
    };
  }
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  let type = '?';
  try {
    type = JSON.parse(body.toString()).type ?? '?';
  } catch {
    // reported through the signature: a body that is not the one signed does not verify
  }
  if (!id || !timestamp || !signatures) return { type, id: id ?? '?', problem: 'webhook-* headers missing' };
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) {
    return { type, id, problem: `webhook-timestamp ${timestamp} is not within ${TOLERANCE_SECONDS} s of now` };
  }
  // During a secret rotation's overlap a delivery carries several signatures (space-separated); one match is enough.
  if (publicKey) {
    const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
    const verified = signatures
      .split(' ')
      .some((s) => s.startsWith('v1a,') && verify(null, content, publicKey, Buffer.from(s.slice(4), 'base64')));
    return { type, id, problem: verified ? null : 'no matching v1a signature' };
  }
  const expected = createHmac('sha256', standardKey).update(`${id}.${timestamp}.`).update(body).digest('base64');
  const verified = signatures.split(' ').some((s) => s.startsWith('v1,') && sameText(s.slice(3), expected));
  return { type, id, problem: verified ? null : 'no matching v1 signature' };
}

let received = 0;
let invalid = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const { type, id, problem } = check(req.headers, Buffer.concat(chunks));
    console.log(`${type}  ${id}  signature: ${problem ? `INVALID (${problem})` : 'verified'}`);
    if (problem) invalid++;
    res.on('finish', () => {
      if (++received >= count) stop(invalid ? 1 : 0);
    });
    res.writeHead(problem ? 401 : 204).end();
  });
});

function stop(code) {
  server.close(() => process.exit(code));
  server.closeAllConnections();
}

server.on('error', (err) => {
  console.error(`receiver: ${err.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`receiver listening on http://127.0.0.1:${port}`);
  if (timeoutSeconds !== undefined && count !== Infinity) {
    setTimeout(() => {
      console.error(`receiver: ${received} of ${count} deliveries within ${timeoutSeconds} s`);
      stop(1);
    }, timeoutSeconds * 1000).unref();
  }
});
