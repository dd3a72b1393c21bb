// Usage: node values-table.mjs CHART_DIR (--check | --write)
// The values table of the chart's README.md, made from values.yaml: every key with a "# --" comment above it, its
// default and that comment. --write puts it between the README's values-table markers; --check fails when the README
// differs (scripts/test-k8s.sh), so that a new value cannot go undocumented.
import fs from 'node:fs';
import path from 'node:path';
import * as yaml from 'js-yaml';

const [chartDir, mode] = process.argv.slice(2);
const valuesText = fs.readFileSync(path.join(chartDir, 'values.yaml'), 'utf8');
const values = yaml.load(valuesText);
const rows = [];
const documented = new Set();
const undocumented = [];
const stack = [];
let doc = null;
for (const line of valuesText.split('\n')) {
  const comment = line.match(/^\s*# -- (.*)$/);
  if (comment) { doc = comment[1]; continue; }
  const key = line.match(/^(\s*)([A-Za-z0-9_.-]+):/);
  if (!key) continue;
  const indent = key[1].length;
  while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
  stack.push({ indent, key: key[2] });
  const keys = stack.map(s => s.key);
  const value = keys.reduce((v, k) => v?.[k], values);
  if (doc === null) {
    const isMap = value !== null && typeof value === 'object' && !Array.isArray(value);
    if (!isMap && !keys.some((_, i) => documented.has(keys.slice(0, i + 1).join('.')))) undocumented.push(keys.join('.'));
    continue;
  }
  documented.add(keys.join('.'));
  rows.push(`| \`${keys.join('.')}\` | \`${JSON.stringify(value).replaceAll('|', '\\|')}\` | ${doc} |`);
  doc = null;
}
if (undocumented.length) {
  console.log(`FAIL values.yaml: no "# --" comment for ${undocumented.join(', ')}`);
  process.exit(1);
}
const table = ['| key | default | description |', '| --- | --- | --- |', ...rows].join('\n');
const readmePath = path.join(chartDir, 'README.md');
const readme = fs.readFileSync(readmePath, 'utf8');
const markers = /(<!-- values-table:start -->\n)[\s\S]*?(<!-- values-table:end -->)/;
if (!markers.test(readme)) { console.log(`FAIL ${readmePath} has no values-table markers`); process.exit(1); }
const updated = readme.replace(markers, (_, start, end) => `${start}${table}\n${end}`);
if (mode === '--write') { fs.writeFileSync(readmePath, updated); console.log(`wrote ${rows.length} values to ${readmePath}`); }
else if (updated !== readme) {
  console.log(`FAIL ${readmePath}: its values table is not values.yaml's; run node scripts/k8s/values-table.mjs ${chartDir} --write`);
  process.exit(1);
} else console.log(`ok   ${readmePath}: values table lists all ${rows.length} documented values`);
