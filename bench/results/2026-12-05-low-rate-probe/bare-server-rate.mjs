import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
const srv = fork(new URL('../../lib/bare-server.mjs', import.meta.url));
const port = await new Promise((r) => srv.once('message', (m) => r(m.port)));
const ticks = (pid) => { const f = readFileSync(`/proc/${pid}/stat`,'utf8'); const x=f.slice(f.lastIndexOf(')')+2).split(' '); return +x[11] + +x[12]; };
const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64, pipelining: 1 });
const body = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8').slice(0, 900);
const one = () => pool.request({ method: 'POST', path: '/x', body, headers: {'content-type':'application/json'} }).then((r) => r.body.dump());
async function rate(r, secs) {
  const t0 = ticks(srv.pid); const start = performance.now(); let n = 0; const ps = [];
  while (performance.now() - start < secs * 1000) {
    const due = start + (n * 1000) / r; const w = due - performance.now();
    if (w > 0) await new Promise((res) => setTimeout(res, w));
    ps.push(one()); n++;
  }
  await Promise.all(ps);
  const cpuMs = (ticks(srv.pid) - t0) * 10;
  console.log(`rate ${r}/s: ${n} req, server CPU ${cpuMs} ms → ${(cpuMs*1000/n).toFixed(1)} µs/req`);
}
async function max(secs) {
  const t0 = ticks(srv.pid); const start = performance.now(); let n = 0;
  await Promise.all(Array.from({ length: 64 }, async () => { while (performance.now() - start < secs * 1000) { await one(); n++; } }));
  const cpuMs = (ticks(srv.pid) - t0) * 10;
  console.log(`max: ${n} req (${(n/secs).toFixed(0)}/s), server CPU ${cpuMs} ms → ${(cpuMs*1000/n).toFixed(1)} µs/req`);
}
await max(3); await max(8); await rate(500, 10); await rate(1500, 10); await rate(5000, 10);
srv.kill(); await pool.close();
