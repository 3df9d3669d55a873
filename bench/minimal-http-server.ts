/**
 * The HTTP ceiling of this machine for the service benchmark: a Node http server that
 * reads the body and answers a constant JSON result, nothing else. `bench/serve.ts`
 * loads it with the same autocannon settings, so the service's rate can be read as a
 * share of what Node's HTTP stack and the load generator allow here.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const answer = JSON.stringify({ decision: 'autonomous', confidence: 0.95, reasoning: 'constant', rule: 'none', version: 1, durationMs: 0, error: null });
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(answer)) });
    res.end(answer);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
