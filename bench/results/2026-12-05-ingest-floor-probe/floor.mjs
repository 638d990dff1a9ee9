// `node bench/results/2026-12-05-ingest-floor-probe/floor.mjs <brokers>`: each step of floor-server.mjs in its own
// process, driven closed-loop by an undici pool (64 connections, the benchmark's ingest concurrency) with the
// benchmark's signed Kaynko sale.completed bodies, then the bare server with a static body (the HTTP ceiling's own
// request). CPU per request from /proc, for the server and for the broker.
import { fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'undici';
import { SALE } from '../../lib/kaynko-sale.mjs';

const brokers = process.argv[2] ?? '127.0.0.1:19392';
const secret = 'floor-secret';
const topic = `floor.${Date.now()}`;
const ticks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return +x[11] + +x[12];
};
const brokerPid = readdirSync('/proc').find((p) => {
  try {
    return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('kafka.Kafka');
  } catch {
    return false;
  }
});

const kafka = new Kafka({ clientId: 'floor-admin', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });

let seq = 0;
const signed = () => {
  seq++;
  const body = JSON.stringify({ ...SALE, data: { ...SALE.data, saleId: seq, receiptNumber: `FLOOR-${seq}` } });
  const signature = createHmac('sha256', secret).update(body).digest('hex');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-kaynko-event': 'sale.completed',
      'x-kaynko-signature': `sha256=${signature}`,
    },
  };
};
const staticBody = () => ({ body: '{"event":"ping"}', headers: { 'content-type': 'application/json' } });

async function run(mode, make, secs) {
  const srv = fork(new URL('floor-server.mjs', import.meta.url), [mode, brokers, topic, secret]);
  const port = await new Promise((r) => srv.once('message', (m) => r(m.port)));
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64, pipelining: 1 });
  const one = async () => {
    const { body, headers } = make();
    const r = await pool.request({ method: 'POST', path: '/webhooks/kaynko/src_floor', body, headers });
    await r.body.dump();
    if (r.statusCode !== 202) throw new Error(`${mode}: ${r.statusCode}`);
  };
  const loop = async (ms) => {
    const start = performance.now();
    let n = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (performance.now() - start < ms) {
          await one();
          n++;
        }
      }),
    );
    return n;
  };
  await loop(2000); // warm-up
  const [s0, b0] = [ticks(srv.pid), brokerPid ? ticks(brokerPid) : 0];
  const n = await loop(secs * 1000);
  const [s1, b1] = [ticks(srv.pid), brokerPid ? ticks(brokerPid) : 0];
  const us = (t) => ((t * 10 * 1000) / n).toFixed(1);
  console.log(
    `${mode.padEnd(14)} ${String(Math.round(n / secs)).padStart(6)} req/s  server ${us(s1 - s0).padStart(6)} µs/req  broker ${us(b1 - b0).padStart(5)} µs/req`,
  );
  await pool.close();
  srv.kill();
  return (s1 - s0) / n;
}

for (let round = 1; round <= 3; round++) {
  console.log(`round ${round}`);
  const bareStatic = await run('bare', staticBody, 8);
  const bare = await run('bare', signed, 8);
  const verify = await run('verify', signed, 8);
  const withKafka = await run('kafka', signed, 8);
  console.log(
    `  ratios to the bare server (static body): bare with the sale ${(bare / bareStatic).toFixed(2)}, verify ${(verify / bareStatic).toFixed(2)}, kafka ${(withKafka / bareStatic).toFixed(2)}`,
  );
}
await admin.deleteTopics({ topics: [topic] }).catch(() => {});
await admin.disconnect();
