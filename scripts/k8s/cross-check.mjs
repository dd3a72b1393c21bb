// Usage: node cross-check.mjs CHART_RENDER ISTIO_RENDER ARGO_RENDER CHART_DIR RULES_FILE
// What no schema sees: the pieces that live in different folders must name each other correctly.
//  - the chart's Rollout steers routes and subsets that deploy/istio's VirtualService and DestinationRule have, on the
//    host of the chart's Service;
//  - deploy/istio's upstream AuthorizationPolicy names the chart's ServiceAccount;
//  - every values file deploy/argo's ApplicationSet names exists in the chart;
//  - the chart's PrometheusRule holds exactly the rules of the rule file it was rendered from (nothing lost or
//    retyped on the way through fromYaml/toYaml).
import fs from 'node:fs';
import path from 'node:path';
import * as yaml from 'js-yaml';

const [chartFile, istioFile, argoFile, chartDir, rulesFile] = process.argv.slice(2);
const load = f => yaml.loadAll(fs.readFileSync(f, 'utf8')).filter(Boolean);
const chart = load(chartFile), istio = load(istioFile), argo = load(argoFile);
const find = (docs, kind, name) => docs.find(d => d.kind === kind && (name === undefined || d.metadata?.name === name));
const problems = [];
const need = (ok, message) => { if (!ok) problems.push(message); };

const rollout = find(chart, 'Rollout');
const service = find(chart, 'Service');
const namespace = 'switchboard';
const host = `${service.metadata.name}.${namespace}.svc.cluster.local`;
const routing = rollout?.spec?.strategy?.canary?.trafficRouting?.istio;
need(routing, 'the production render has no Rollout with Istio traffic routing');
if (routing) {
  const vs = find(istio, 'VirtualService', routing.virtualService.name);
  need(vs, `VirtualService ${routing.virtualService.name} (the Rollout's) is not in deploy/istio`);
  for (const route of routing.virtualService.routes) {
    const http = vs?.spec?.http?.find(r => r.name === route);
    need(http, `VirtualService ${routing.virtualService.name} has no route "${route}" (the Rollout's)`);
    const subsets = (http?.route ?? []).map(r => `${r.destination.host}/${r.destination.subset}`).sort();
    need(JSON.stringify(subsets) === JSON.stringify([`${host}/canary`, `${host}/stable`]),
      `route "${route}" must send to exactly ${host} subsets stable and canary, not ${subsets.join(', ')}`);
  }
  const dr = find(istio, 'DestinationRule', routing.destinationRule.name);
  need(dr?.spec?.host === host, `DestinationRule ${routing.destinationRule.name} must be for ${host}`);
  for (const subset of [routing.destinationRule.stableSubsetName, routing.destinationRule.canarySubsetName])
    need(dr?.spec?.subsets?.some(s => s.name === subset), `DestinationRule has no subset "${subset}"`);
}
const account = find(chart, 'ServiceAccount')?.metadata?.name;
const principal = `cluster.local/ns/${namespace}/sa/${account}`;
need(JSON.stringify(find(istio, 'AuthorizationPolicy', 'only-switchboard')).includes(principal),
  `AuthorizationPolicy only-switchboard must allow ${principal}, the chart's ServiceAccount`);
const appset = find(argo, 'ApplicationSet');
for (const element of appset.spec.generators[0].list.elements)
  need(fs.existsSync(path.join(chartDir, element.valuesFile)), `ApplicationSet names ${element.valuesFile}, which is not in the chart`);

const canonical = v => Array.isArray(v) ? v.map(canonical)
  : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map(k => [k, canonical(v[k])])) : v;
const rule = find(chart, 'PrometheusRule');
need(rule && JSON.stringify(canonical(rule.spec)) === JSON.stringify(canonical(yaml.load(fs.readFileSync(rulesFile, 'utf8')))),
  `the chart's PrometheusRule does not hold exactly the rules of ${rulesFile}`);

for (const p of problems) console.log(`FAIL ${p}`);
console.log(problems.length ? `${problems.length} cross-reference problems` : 'ok   chart, deploy/istio and deploy/argo name each other consistently; the PrometheusRule holds the rule file');
process.exit(problems.length ? 1 : 0);
