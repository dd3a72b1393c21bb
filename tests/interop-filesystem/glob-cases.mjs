// Matches every pattern against every path with the minimatch the reference filesystem server uses, with its
// options ({ dot: true }), and writes the results as JSON. tests/Switchboard.Servers.Filesystem.Tests compares
// Switchboard's glob matcher with it.
//
// usage: node glob-cases.mjs <cases.json> <out.json>, where cases.json is { "patterns": [...], "paths": [...] }
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";

const [casesPath, outPath] = process.argv.slice(2);
const { patterns, paths } = JSON.parse(await readFile(casesPath, "utf8"));
const require = createRequire(require_from_server());
const { minimatch } = require("minimatch");

function require_from_server() {
  const base = createRequire(import.meta.url);
  return base.resolve("@modelcontextprotocol/server-filesystem/package.json");
}

const results = patterns.map(pattern => {
  try {
    return { pattern, matches: paths.map(path => minimatch(path, pattern, { dot: true })) };
  } catch (error) {
    return { pattern, error: String(error?.message ?? error) };
  }
});
await writeFile(outPath, JSON.stringify({ results }, null, 2));
