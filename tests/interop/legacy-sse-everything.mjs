// The reference server-everything over the legacy HTTP+SSE transport (protocol 2024-11-05), bound to loopback: the
// package's own `sse` mode does the same but listens on every interface. GET /sse opens a session's event stream,
// POST /message?sessionId=… carries the client's messages. Prints "listening" once it accepts connections.
//
//   node legacy-sse-everything.mjs --port 20002
import http from 'node:http';
import { parseArgs } from 'node:util';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { createServer } from '@modelcontextprotocol/server-everything/dist/server/index.js';

const { values: args } = parseArgs({ options: { port: { type: 'string' } } });
const sessions = new Map();

const server = http.createServer(async (request, response) => {
  const url = new URL(request.url, 'http://127.0.0.1');
  if (request.method === 'GET' && url.pathname === '/sse') {
    const transport = new SSEServerTransport('/message', response);
    const { server: mcp, cleanup } = createServer();
    sessions.set(transport.sessionId, transport);
    mcp.server.onclose = () => {
      sessions.delete(transport.sessionId);
      cleanup(transport.sessionId);
    };
    await mcp.connect(transport);
  } else if (request.method === 'POST' && url.pathname === '/message') {
    const transport = sessions.get(url.searchParams.get('sessionId'));
    if (transport) {
      await transport.handlePostMessage(request, response);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('unknown session');
    }
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
});

server.listen(Number(args.port), '127.0.0.1', () => console.log('listening'));
