// The official reference servers as stdio upstreams of the gateway, through its aggregated /mcp, with the official
// TypeScript SDK client:
//
//   node reference-servers.mjs --url http://127.0.0.1:PORT/mcp --key sbk_... --root /the/filesystem/server/root
//
// The gateway registers @modelcontextprotocol/server-filesystem as 'files' (on --root, which holds hello.txt) and
// @modelcontextprotocol/server-everything as 'reference'.
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const { values: args } = parseArgs({ options: { url: { type: 'string' }, key: { type: 'string' }, root: { type: 'string' } } });
const client = new Client({ name: 'switchboard-reference-servers', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(args.url), {
  requestInit: { headers: { Authorization: `Bearer ${args.key}` } },
}));

// The gateway lists an upstream's tools once its first process has answered.
let names = [];
for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
  names = (await client.listTools()).tools.map((t) => t.name);
  if (names.includes('files__read_text_file') && names.includes('reference__echo')) break;
}
assert.ok(names.includes('files__read_text_file'), `server-filesystem's tools are not listed: ${names.join(', ')}`);
assert.ok(names.includes('reference__echo'), `server-everything's tools are not listed: ${names.join(', ')}`);

const read = await client.callTool({ name: 'files__read_text_file', arguments: { path: `${args.root}/hello.txt` } });
assert.ok(!read.isError, JSON.stringify(read));
assert.equal(read.content[0].text, 'hello from the filesystem server');

const listing = await client.callTool({ name: 'files__list_directory', arguments: { path: args.root } });
assert.match(listing.content[0].text, /\[FILE\] hello\.txt/);

const echo = await client.callTool({ name: 'reference__echo', arguments: { message: 'through the gateway' } });
assert.ok(!echo.isError, JSON.stringify(echo));
assert.match(echo.content[0].text, /through the gateway/);

console.log(`ok: ${names.length} tools; filesystem read and listed, everything echoed (session ${client.transport?.sessionId ?? 'none'})`);
await client.close();
