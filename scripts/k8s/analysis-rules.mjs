// Usage: node analysis-rules.mjs rendered.yaml > rules.yml; promtool check rules rules.yml
//        node analysis-rules.mjs --json rendered.yaml > queries.json   (for the monitoring end-to-end test)
// Turns every Prometheus query of the rendered AnalysisTemplates into a recording rule, its {{args.*}} replaced by
// the template's defaults (or a sample pod-template hash, ANALYSIS_REVISION_HASH when set), so that promtool parses
// them: a PromQL typo fails CI instead of the first canary. With --json: {revisionHash, queries: [{record, expr}]}.
import fs from 'node:fs';
import * as yaml from 'js-yaml';

const json = process.argv[2] === '--json';
const revisionHash = process.env.ANALYSIS_REVISION_HASH || '5d8f7c9b6';
const rules = [];
for (const file of process.argv.slice(json ? 3 : 2)) {
  for (const doc of yaml.loadAll(fs.readFileSync(file, 'utf8')).filter(d => d?.kind === 'AnalysisTemplate')) {
    const args = Object.fromEntries(doc.spec.args.map(a => [a.name, a.value ?? revisionHash]));
    for (const metric of doc.spec.metrics.filter(m => m.provider?.prometheus)) {
      const expr = metric.provider.prometheus.query.replace(/\{\{\s*args\.([\w-]+)\s*\}\}/g, (_, name) => {
        if (!(name in args)) throw new Error(`${doc.metadata.name}/${metric.name}: unknown argument ${name}`);
        return args[name];
      });
      // Numbered: the same template rendered for canary and blue/green would otherwise be a duplicate rule.
      rules.push({ record: `analysis:${doc.metadata.name.replace(/-/g, '_')}:${metric.name.replace(/-/g, '_')}_${rules.length + 1}`, expr });
    }
  }
}
if (!rules.length) throw new Error('no AnalysisTemplate with Prometheus queries in the input');
process.stdout.write(json ? JSON.stringify({ revisionHash, queries: rules }) : yaml.dump({ groups: [{ name: 'analysis-queries', rules }] }));
