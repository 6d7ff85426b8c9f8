// Sends JSON-RPC POSTs over keep-alive connections for a fixed time, from its own process so
// the server under test has the event loop to itself. A call counts only when it is answered
// 200 with a JSON-RPC result (JSON or SSE); a JSON-RPC error counts as an error. Prints one
// JSON line: {"calls": N, "seconds": S, "errors": E}.
// Usage: node load-generator.mjs '{"url": "...", "headers": {...}, "body": {...}, "seconds": 5, "concurrency": 32}'
import { Agent, request } from 'node:http';

const { url, headers, body, seconds, concurrency } = JSON.parse(process.argv[2]);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const payload = JSON.stringify(body);
const options = {
  method: 'POST',
  agent,
  headers: {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  },
};
let calls = 0;
let errors = 0;
const deadline = performance.now() + seconds * 1000;

const once = () =>
  new Promise((resolve) => {
    const req = request(url, options, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200 && text.includes('"result"') && !text.includes('"error"'))
          calls += 1;
        else errors += 1;
        resolve();
      });
    });
    req.on('error', () => {
      errors += 1;
      resolve();
    });
    req.end(payload);
  });

const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) await once();
  }),
);
agent.destroy();
console.log(JSON.stringify({ calls, errors, seconds: (performance.now() - started) / 1000 }));
