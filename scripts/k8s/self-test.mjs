// Negative fixtures for the checks of scripts/test-k8s.sh: each policy rule (policy-check.mjs) and each kind of bad
// chart value (values.schema.json through values-schema.mjs) must be rejected, with a message that names the problem.
// The good fixture and the chart's own values must pass, so that a rejection is the fixture's fault alone.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { check } from './policy-check.mjs';
import { validateValues } from './values-schema.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const chart = process.argv[2] ?? path.join(here, '../../deploy/helm/switchboard');
let failures = 0;
const expect = (name, problems, wanted) => {
  const match = problems.find(p => p.includes(wanted));
  const hit = wanted === null ? problems.length === 0 : match !== undefined;
  console.log(`${hit ? 'ok  ' : 'FAIL'} ${name}: ${wanted === null ? 'accepted' : `rejected: ${match ?? wanted}`}` +
    (hit ? '' : `; got ${JSON.stringify(problems)}`));
  if (!hit) failures++;
};

// --- policy rules ---
const good = () => yaml.loadAll(fs.readFileSync(path.join(here, 'fixtures/policy/good.yaml'), 'utf8')).filter(Boolean);
const kind = (docs, k) => docs.find(d => d.kind === k);
const web = docs => kind(docs, 'Deployment').spec.template.spec.containers[0];
const policyCases = [
  ['container without resources', d => { delete web(d).resources; }, 'no resources'],
  ['container without a memory limit', d => { delete web(d).resources.limits; }, 'no resources'],
  ['init container without resources', d => { delete kind(d, 'Deployment').spec.template.spec.initContainers[0].resources; }, 'container "init": no resources'],
  ['container without a readiness probe', d => { delete web(d).readinessProbe; }, 'no probes'],
  ['container without a liveness probe', d => { delete web(d).livenessProbe; }, 'no probes'],
  ['pod without runAsNonRoot', d => { delete kind(d, 'Deployment').spec.template.spec.securityContext.runAsNonRoot; }, 'may run as root'],
  ['container running as uid 0', d => { web(d).securityContext.runAsUser = 0; }, 'may run as root'],
  ['Job running as root', d => { kind(d, 'Job').spec.template.spec.securityContext = {}; }, 'Job/migrate (namespace shop): container "migrate": may run as root'],
  ['writable root filesystem', d => { web(d).securityContext.readOnlyRootFilesystem = false; }, 'writable root filesystem'],
  ['privilege escalation allowed', d => { delete web(d).securityContext.allowPrivilegeEscalation; }, 'may escalate privileges'],
  ['capabilities kept', d => { web(d).securityContext.capabilities.drop = ['NET_RAW']; }, 'keeps Linux capabilities'],
  ['image :latest', d => { web(d).image = 'registry.example.com/web:latest'; }, 'is not pinned'],
  ['image without a tag', d => { web(d).image = 'registry.example.com:5000/web'; }, 'is not pinned'],
  ['namespace without default-deny', d => { d.splice(d.indexOf(kind(d, 'NetworkPolicy')), 1); }, 'namespace shop: no default-deny NetworkPolicy'],
  ['"default deny" that allows ingress', d => { kind(d, 'NetworkPolicy').spec.ingress = [{}]; }, 'no default-deny NetworkPolicy'],
  ['"default deny" for some pods only', d => { kind(d, 'NetworkPolicy').spec.podSelector = { matchLabels: { app: 'web' } }; }, 'no default-deny NetworkPolicy'],
  ['default deny in another namespace', d => { kind(d, 'NetworkPolicy').metadata.namespace = 'other'; }, 'namespace shop: no default-deny'],
  ['Deployment without a PDB', d => { d.splice(d.indexOf(kind(d, 'PodDisruptionBudget')), 1); }, 'no PodDisruptionBudget'],
  ['PDB selecting other pods', d => { kind(d, 'PodDisruptionBudget').spec.selector.matchLabels = { app: 'api' }; }, 'no PodDisruptionBudget'],
  ['Deployment selecting the Job\'s pods too', d => { kind(d, 'Job').spec.template.metadata = { labels: { app: 'web', role: 'migrate' } }; }, 'its selector also matches the pods of Job/migrate'],
  ['Service selecting no pods', d => { kind(d, 'Service').spec.selector = { app: 'wbe' }; }, 'matches no workload'],
  ['HPA scaling a missing Deployment', d => { kind(d, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'webb'; }, 'is not in the manifests'],
];
expect('policy: good fixture', check(good()), null);
for (const [name, breakIt, wanted] of policyCases) {
  const docs = good();
  breakIt(docs);
  expect(`policy: ${name}`, check(docs), wanted);
}

// --- chart values ---
const valuesCases = [
  ['unknown key (typo)', { replicas: 3 }, 'unknown key "replicas"'],
  ['image tag latest', { image: { tag: 'latest' } }, `values.image.tag: "latest" is not allowed`],
  ['tag with a space', { image: { tag: '1.0 beta' } }, 'values.image.tag: must match pattern'],
  ['digest not sha256', { image: { digest: 'md5:abc' } }, 'values.image.digest'],
  ['unknown storage provider', { storage: { provider: 'Postgres' } }, 'values.storage.provider: must be one of "Sqlite", "PostgreSql"'],
  ['SQLite with 3 replicas', { replicaCount: 3 }, 'storage.provider=Sqlite allows exactly one replica'],
  ['SQLite autoscaled', { autoscaling: { enabled: true } }, 'storage.provider=Sqlite cannot autoscale'],
  ['autoscaling down to 1', { storage: { provider: 'PostgreSql' }, autoscaling: { enabled: true, minReplicas: 1 } }, 'values.autoscaling.minReplicas: must be >= 2'],
  ['sessions misspelt', { gateway: { sessions: 'stateless' } }, 'values.gateway.sessions: must be one of "Hybrid", "Stateless"'],
  ['drain timeout not a TimeSpan', { shutdown: { drainTimeout: '20s' } }, 'values.shutdown.drainTimeout'],
  ['resources without a memory limit', { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: null } }, 'values.resources: "limits" is required'],
  ['bad quantity', { resources: { requests: { cpu: 'one', memory: '1Gi' }, limits: { memory: '1Gi' } } }, 'values.resources.requests.cpu: "one" is not a Kubernetes quantity'],
  ['writable root filesystem', { securityContext: { readOnlyRootFilesystem: false } }, 'values.securityContext.readOnlyRootFilesystem: must be true'],
  ['running as root', { podSecurityContext: { runAsUser: 0 } }, 'values.podSecurityContext.runAsUser: must be >= 1'],
  ['PDB switched off', { podDisruptionBudget: { enabled: false } }, 'every Deployment needs a PodDisruptionBudget'],
  ['config key that is no setting', { config: { LOG_LEVEL: 'debug' } }, 'values.config: key "LOG_LEVEL" is not allowed'],
  ['rollout strategy unknown', { storage: { provider: 'PostgreSql' }, rollout: { enabled: true, strategy: 'linear' } }, 'values.rollout.strategy: must be one of "canary", "blueGreen"'],
  ['latency with a unit', { rollout: { analysis: { maxP95Seconds: '100ms' } } }, 'values.rollout.analysis.maxP95Seconds'],
  ['error ratio as a percentage', { rollout: { analysis: { maxErrorRatio: '5%' } } }, 'values.rollout.analysis.maxErrorRatio'],
];
for (const file of fs.readdirSync(chart).filter(f => /^values(-[a-z]+)?\.yaml$/.test(f)))
  expect(`values: ${file}`, validateValues(chart, [yaml.load(fs.readFileSync(path.join(chart, file), 'utf8'))]), null);
// Helm checks the schema with Go's regexp (RE2): no lookaround, no backreferences.
const patterns = [...fs.readFileSync(path.join(chart, 'values.schema.json'), 'utf8').matchAll(/"pattern": ("(?:[^"\\]|\\.)*")/g)].map(m => JSON.parse(m[1]));
expect('values.schema.json: patterns Go can compile', patterns.filter(p => /\(\?[=!<]|\\[1-9]/.test(p)).map(p => `RE2 cannot compile ${p}`), null);
for (const [name, override, wanted] of valuesCases) expect(`values: ${name}`, validateValues(chart, [override]), wanted);

console.log(failures ? `${failures} fixtures not handled as expected` : `all ${policyCases.length + valuesCases.length} negative fixtures rejected`);
process.exit(failures ? 1 : 0);
