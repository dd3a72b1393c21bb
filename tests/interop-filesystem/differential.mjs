// Runs a scripted sequence of tool calls against the reference filesystem server
// (@modelcontextprotocol/server-filesystem, spawned over stdio) with the official TypeScript SDK client, and
// writes what came back as JSON. tests/Switchboard.Servers.Filesystem.Tests replays the same script against ours.
//
// usage: node differential.mjs <script.json> <root> <outside> <out.json>
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [scriptPath, root, outside, outPath] = process.argv.slice(2);
const script = JSON.parse(await readFile(scriptPath, "utf8"));
const require = createRequire(import.meta.url);
const serverEntry = path.join(path.dirname(require.resolve("@modelcontextprotocol/server-filesystem/package.json")), "dist", "index.js");

const transport = new StdioClientTransport({ command: process.execPath, args: [serverEntry, root], stderr: "ignore" });
const client = new Client({ name: "switchboard-differential", version: "1.0.0" });
await client.connect(transport);

const substitute = (value) =>
  typeof value === "string" ? value.replaceAll("${ROOT}", root).replaceAll("${OUTSIDE}", outside)
  : Array.isArray(value) ? value.map(substitute)
  : value && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]))
  : value;

const tools = (await client.listTools()).tools;
const results = [];
for (const step of script.steps) {
  try {
    const result = await client.callTool({ name: step.tool, arguments: substitute(step.arguments ?? {}) });
    results.push({ isError: result.isError === true, content: result.content, structuredContent: result.structuredContent ?? null });
  } catch (error) {
    results.push({ isError: true, protocolError: String(error?.message ?? error), content: [], structuredContent: null });
  }
}

await client.close();
await writeFile(outPath, JSON.stringify({ serverInfo: client.getServerVersion(), tools, results }, null, 2));
