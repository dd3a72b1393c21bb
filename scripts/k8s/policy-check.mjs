// Usage: node policy-check.mjs [--namespace NS] rendered.yaml ...
// The rules every rendered manifest set must keep (scripts/test-k8s.sh runs it on each chart render and Kustomize
// overlay; policy-check.test.mjs proves each rule rejects a broken fixture). The schemas (validate-k8s.mjs) say a
// document is well-formed; these say it is safe to run:
//   every container: resources (requests.cpu, requests.memory, limits.memory), a non-root user, a read-only root
//   filesystem, no privilege escalation, all capabilities dropped, an image pinned by tag or digest and not :latest;
//   every long-running container: readiness and liveness probes;
//   every namespace with workloads: a default-deny NetworkPolicy (all pods, Ingress and Egress, no rules);
//   every Deployment, StatefulSet and Rollout: a PodDisruptionBudget selecting its pods, and a selector that matches
//   no other workload's pods;
//   every Service and HorizontalPodAutoscaler: a workload it points at.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';

const replicated = ['Deployment', 'StatefulSet', 'Rollout'];
const runToCompletion = ['Job', 'CronJob'];

function podSpecOf(doc) {
  switch (doc.kind) {
    case 'Pod': return doc.spec;
    case 'CronJob': return doc.spec?.jobTemplate?.spec?.template?.spec;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': case 'Rollout':
      return doc.spec?.template?.spec;
    default: return undefined;
  }
}

const podLabelsOf = doc => doc.kind === 'CronJob' ? doc.spec?.jobTemplate?.spec?.template?.metadata?.labels : doc.spec?.template?.metadata?.labels;

const selects = (selector, labels) => {
  const match = selector?.matchLabels ?? {};
  return Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels?.[k] === v);
};

function checkContainer(container, pod, longRunning, problems) {
  const what = `container "${container.name}"`;
  const r = container.resources ?? {};
  if (!r.requests?.cpu || !r.requests?.memory || !r.limits?.memory)
    problems.push(`${what}: no resources (requests.cpu, requests.memory and limits.memory are required)`);
  if (longRunning && (!container.readinessProbe || !container.livenessProbe))
    problems.push(`${what}: no probes (readinessProbe and livenessProbe are required)`);
  const sc = container.securityContext ?? {};
  const psc = pod.securityContext ?? {};
  const runAsNonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
  const runAsUser = sc.runAsUser ?? psc.runAsUser;
  if (runAsNonRoot !== true || runAsUser === 0)
    problems.push(`${what}: may run as root (set runAsNonRoot: true and a non-zero runAsUser)`);
  if (sc.readOnlyRootFilesystem !== true)
    problems.push(`${what}: writable root filesystem (set securityContext.readOnlyRootFilesystem: true)`);
  if (sc.allowPrivilegeEscalation !== false || sc.privileged === true)
    problems.push(`${what}: may escalate privileges (set allowPrivilegeEscalation: false, privileged unset)`);
  if (!(sc.capabilities?.drop ?? []).includes('ALL'))
    problems.push(`${what}: keeps Linux capabilities (set capabilities.drop: [ALL])`);
  const image = container.image ?? '';
  const tag = image.includes('@') ? null : image.slice(image.lastIndexOf('/') + 1).split(':')[1];
  if (!image.includes('@') && (!tag || tag === 'latest'))
    problems.push(`${what}: image "${image}" is not pinned (a version tag or a digest; never :latest)`);
}

export function check(docs, defaultNamespace = 'default') {
  const findings = [];
  const ns = doc => doc.metadata?.namespace ?? defaultNamespace;
  const id = doc => `${doc.kind}/${doc.metadata?.name} (namespace ${ns(doc)})`;
  const workloads = docs.filter(podSpecOf);
  const namespaces = new Set(workloads.map(ns));

  for (const doc of workloads) {
    const pod = podSpecOf(doc);
    const problems = [];
    for (const c of pod.containers ?? []) checkContainer(c, pod, !runToCompletion.includes(doc.kind), problems);
    for (const c of pod.initContainers ?? []) checkContainer(c, pod, false, problems);
    findings.push(...problems.map(p => `${id(doc)}: ${p}`));
  }

  for (const namespace of namespaces) {
    const denies = docs.some(d => d.kind === 'NetworkPolicy' && ns(d) === namespace
      && Object.keys(d.spec?.podSelector?.matchLabels ?? {}).length === 0 && !(d.spec?.podSelector?.matchExpressions?.length)
      && ['Ingress', 'Egress'].every(t => d.spec?.policyTypes?.includes(t))
      && !(d.spec?.ingress?.length) && !(d.spec?.egress?.length));
    if (!denies) findings.push(`namespace ${namespace}: no default-deny NetworkPolicy (podSelector: {}, policyTypes: [Ingress, Egress], no rules)`);
  }

  for (const doc of workloads.filter(d => replicated.includes(d.kind))) {
    const labels = podLabelsOf(doc);
    if (!docs.some(d => d.kind === 'PodDisruptionBudget' && ns(d) === ns(doc) && selects(d.spec?.selector, labels)))
      findings.push(`${id(doc)}: no PodDisruptionBudget selects its pods`);
    for (const other of workloads.filter(w => w !== doc && ns(w) === ns(doc) && selects(doc.spec?.selector, podLabelsOf(w))))
      findings.push(`${id(doc)}: its selector also matches the pods of ${other.kind}/${other.metadata?.name}`);
  }

  for (const svc of docs.filter(d => d.kind === 'Service' && d.spec?.selector)) {
    if (!workloads.some(w => ns(w) === ns(svc) && selects({ matchLabels: svc.spec.selector }, podLabelsOf(w))))
      findings.push(`${id(svc)}: its selector matches no workload's pods`);
  }
  for (const hpa of docs.filter(d => d.kind === 'HorizontalPodAutoscaler')) {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    if (!workloads.some(w => ns(w) === ns(hpa) && w.kind === ref.kind && w.metadata?.name === ref.name))
      findings.push(`${id(hpa)}: scaleTargetRef ${ref.kind}/${ref.name} is not in the manifests`);
  }
  return findings;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let namespace = 'default';
  if (args[0] === '--namespace') { namespace = args[1]; args.splice(0, 2); }
  let failures = 0;
  for (const file of args) {
    const docs = yaml.loadAll(fs.readFileSync(file, 'utf8')).filter(Boolean);
    const findings = check(docs, namespace);
    for (const f of findings) console.log(`FAIL ${file}: ${f}`);
    if (!findings.length) console.log(`ok   ${file}: ${docs.length} documents keep the policy`);
    failures += findings.length;
  }
  process.exit(failures ? 1 : 0);
}
