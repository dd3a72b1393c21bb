// Forwards every request to a Switchboard endpoint with an API key added, for clients that cannot send headers
// (the conformance suite's CLI). Everything else, Host and Origin included, passes through untouched, and
// responses (SSE streams too) are piped back as they arrive.
//
//   node auth-proxy.mjs --target http://127.0.0.1:8080 --port 20001 --key sbk_...
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { target: { type: 'string' }, port: { type: 'string' }, key: { type: 'string' } } });
const target = new URL(args.target);

const server = http.createServer((request, response) => {
  const upstream = http.request(
    {
      host: target.hostname,
      port: target.port,
      method: request.method,
      path: request.url,
      headers: { ...request.headers, authorization: `Bearer ${args.key}` },
    },
    (answer) => {
      response.writeHead(answer.statusCode, answer.headers);
      answer.pipe(response);
    },
  );
  upstream.on('error', (error) => {
    if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
    response.end(String(error));
  });
  response.on('close', () => upstream.destroy()); // the client left: stop the upstream stream too
  request.pipe(upstream);
});

server.listen(Number(args.port), '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${args.port}`));
