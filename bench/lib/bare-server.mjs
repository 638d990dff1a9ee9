// Baseline (a): a bare Node `http` server that reads the body and answers 202, the ceiling of HTTP on this machine
// for the same load generator. Prints its port on the IPC channel.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => res.writeHead(202, { 'content-type': 'application/json' }).end('{"id":"evt_baseline"}'));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
