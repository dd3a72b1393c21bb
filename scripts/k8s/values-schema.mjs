// Usage: node values-schema.mjs CHART_DIR [values.yaml ...]
// Validates the chart's values (values.yaml, then each file merged over it, as Helm coalesces them) against the chart's
// values.schema.json, and prints each violation as "values.<path>: <what is wrong> (<what is allowed>)".
// Helm 3 does the same check itself at `helm install/template`; minihelm does not, so CI runs this.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import * as yaml from 'js-yaml';

const isMap = v => v !== null && typeof v === 'object' && !Array.isArray(v);

// Helm's coalescing: maps merge key by key, anything else replaces, null deletes.
export function mergeValues(base, override) {
  const out = { ...base };
  for (const [key, value] of Object.entries(override ?? {})) {
    if (value === null) delete out[key];
    else if (isMap(value) && isMap(out[key])) out[key] = mergeValues(out[key], value);
    else out[key] = value;
  }
  return out;
}

function explain(error) {
  const where = 'values' + error.instancePath.replaceAll('/', '.');
  const why = error.parentSchema?.description ? ` (${error.parentSchema.description})` : '';
  if (error.propertyName !== undefined)
    return `${where}: key "${error.propertyName}" is not allowed${why}`;
  switch (error.keyword) {
    case 'anyOf':
      return `${where}: ${JSON.stringify(error.data)} is not ${error.parentSchema?.description ?? 'allowed'}`;
    case 'additionalProperties':
      return `${where}: unknown key "${error.params.additionalProperty}" (not in values.schema.json: a typo?)`;
    case 'required':
      return `${where}: "${error.params.missingProperty}" is required${why}`;
    case 'enum':
      return `${where}: must be one of ${error.params.allowedValues.map(v => JSON.stringify(v)).join(', ')}, not ${JSON.stringify(error.data)}`;
    case 'not':
      return `${where}: ${JSON.stringify(error.data)} is not allowed${why}`;
    case 'const':
      return `${where}: must be ${JSON.stringify(error.params.allowedValue)}, not ${JSON.stringify(error.data)}${why}`;
    default:
      return `${where}: ${error.message}, not ${JSON.stringify(error.data)}${why}`;
  }
}

export function validateValues(chartDir, overrides) {
  const schema = JSON.parse(fs.readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
  const validate = ajv.compile(schema);
  const values = overrides.reduce(mergeValues, yaml.load(fs.readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) ?? {});
  if (validate(values)) return [];
  // "must match then schema" repeats the specific errors beside it; an anyOf says more than its branches' errors
  // (a quantity is "a number" or "a string like 250m"), so those give way to it.
  const alternatives = validate.errors.filter(e => e.keyword === 'anyOf').map(e => e.schemaPath);
  const shown = validate.errors.filter(e => !['if', 'allOf', 'propertyNames'].includes(e.keyword)
    && !alternatives.some(p => e.schemaPath.startsWith(p + '/')));
  return [...new Set(shown.map(explain))];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [chartDir, ...files] = process.argv.slice(2);
  const problems = validateValues(chartDir, files.map(f => yaml.load(fs.readFileSync(f, 'utf8')) ?? {}));
  for (const problem of problems) console.log(`FAIL ${problem}`);
  console.log(problems.length ? `${problems.length} problems in the values` : `values valid (${files.join(', ') || 'defaults'})`);
  process.exit(problems.length ? 1 : 0);
}
