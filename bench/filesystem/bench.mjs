// read_text_file and search_files throughput, ours vs the reference server, on a generated tree of 10,000 files.
// Both servers are spawned over stdio and driven by the official TypeScript SDK client, one call at a time.
//
// usage (from the repository root, after `npm ci --prefix tests/interop-filesystem`):
//   tests/interop-filesystem/node_modules/.bin/node bench/filesystem/bench.mjs [--ours "<command> {ROOT}"] [--reads N] [--searches N]
// --ours defaults to the Release build of the switchboard executable (dotnet build src/Switchboard -c Release).
import { mkdtemp, mkdir, writeFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const interop = path.resolve(here, "../../tests/interop-filesystem");
const require = createRequire(path.join(interop, "package.json"));
const { Client } = await import(require.resolve("@modelcontextprotocol/sdk/client/index.js"));
const { StdioClientTransport } = await import(require.resolve("@modelcontextprotocol/sdk/client/stdio.js"));
const referenceEntry = path.join(path.dirname(require.resolve("@modelcontextprotocol/server-filesystem/package.json")), "dist", "index.js");

const option = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const reads = Number(option("--reads", "2000"));
const searches = Number(option("--searches", "10"));
const oursCommand = option(
  "--ours",
  `${path.join(here, "..", "..", "src", "Switchboard", "bin", "Release", "net10.0", "switchboard")} mcp filesystem --root {ROOT} --stdio`);

// 100 directories x 100 files of 1-4 KiB: 10,000 files, a fifth of them .md, the rest .txt.
const root = await mkdtemp(path.join(os.tmpdir(), "sb-fs-bench-"));
const files = [];
for (let d = 0; d < 100; d++) {
  const dir = path.join(root, `dir${String(d).padStart(3, "0")}`, d % 2 ? "odd" : "even");
  await mkdir(dir, { recursive: true });
  for (let f = 0; f < 100; f++) {
    const file = path.join(dir, `file${String(f).padStart(3, "0")}.${f % 5 ? "txt" : "md"}`);
    await writeFile(file, `line of file ${d}/${f}\n`.repeat(32 + ((d * 100 + f) % 96)));
    files.push(file);
  }
}

async function measure(label, command, args) {
  const transport = new StdioClientTransport({ command, args, stderr: "ignore" });
  const client = new Client({ name: "switchboard-bench", version: "1.0.0" });
  await client.connect(transport);
  await client.callTool({ name: "read_text_file", arguments: { path: files[0] } }); // warm up
  await client.callTool({ name: "search_files", arguments: { path: root, pattern: "**/*.md" } });

  let started = performance.now();
  for (let i = 0; i < reads; i++) {
    const result = await client.callTool({ name: "read_text_file", arguments: { path: files[(i * 7919) % files.length] } });
    if (result.isError) throw new Error(`${label}: ${result.content[0].text}`);
  }
  const readSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  let matches = 0;
  for (let i = 0; i < searches; i++) {
    const result = await client.callTool({ name: "search_files", arguments: { path: root, pattern: "**/*.md" } });
    if (result.isError) throw new Error(`${label}: ${result.content[0].text}`);
    matches = result.content[0].text.split("\n").length;
  }
  const searchSeconds = (performance.now() - started) / 1000;
  await client.close();
  return {
    server: label,
    "read_text_file calls/s": Math.round(reads / readSeconds),
    "read_text_file mean ms": +(readSeconds * 1000 / reads).toFixed(3),
    "search_files mean ms": +(searchSeconds * 1000 / searches).toFixed(1),
    "search_files matches": matches,
  };
}

try {
  const [oursExe, ...oursArgs] = oursCommand.replaceAll("{ROOT}", root).split(" ");
  const results = [
    await measure("reference", process.execPath, [referenceEntry, root]),
    await measure("switchboard", oursExe, oursArgs),
  ];
  console.log(`tree: ${files.length} files in ${root}; ${reads} reads, ${searches} searches; node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0].model})`);
  console.table(results);
} finally {
  await rm(root, { recursive: true, force: true });
}
