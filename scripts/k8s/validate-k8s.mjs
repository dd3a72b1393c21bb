// A copy of ../shared/tools/validate-k8s.mjs with one addition: the VerticalPodAutoscaler (autoscaling.k8s.io) is
// validated with @kubernetes-models/autoscaler instead of skipped. It lives here so that it resolves this folder's
// node_modules and works on a machine without ../shared.
// Usage: node validate-k8s.mjs file.yaml [...]  -- validates each document against kubernetes-models schemas
// A kind of a built-in group that kubernetes-models lacks FAILs (typo: apps/v2, Deploymnet); a group no installed
// package models (VPA, cert-manager without its package, ...) is SKIPped.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as yaml from 'js-yaml';
const coreDir = path.dirname(createRequire(import.meta.url).resolve('kubernetes-models/package.json'));
const pkgsFor = (group, kind) => {
  if (group.endsWith('gateway.networking.k8s.io')) return ['@kubernetes-models/gateway-api'];
  if (group === 'autoscaling.k8s.io') return ['@kubernetes-models/autoscaler'];
  if (!group || ['apps','batch','autoscaling','policy'].includes(group) || group.endsWith('.k8s.io')) return ['kubernetes-models'];
  if (group.endsWith('istio.io')) return ['@kubernetes-models/istio'];
  if (group === 'argoproj.io') return ['@kubernetes-models/argo-rollouts', '@kubernetes-models/argo-cd'];
  if (group === 'monitoring.coreos.com') return ['@kubernetes-models/prometheus-operator'];
  if (group.endsWith('cert-manager.io')) return ['@kubernetes-models/cert-manager'];
  if (group.endsWith('external-secrets.io')) return ['@kubernetes-models/external-secrets'];
  return [];
};
let failures = 0, checked = 0, skipped = 0;
for (const f of process.argv.slice(2)) {
  for (const doc of yaml.loadAll(fs.readFileSync(f, 'utf8'))) {
    if (!doc) continue;
    const id = `${doc.kind}/${doc.metadata?.name}`;
    if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') { console.log(`FAIL ${id}: missing apiVersion/kind`); failures++; continue; }
    const [group, version] = doc.apiVersion.includes('/') ? doc.apiVersion.split('/') : ['', doc.apiVersion];
    let Cls = null;
    for (const pkg of pkgsFor(group, doc.kind)) {
      const path = group ? `${pkg}/${group}/${version}/${doc.kind}` : `${pkg}/${version}/${doc.kind}`;
      try { const mod = await import(path); Cls = mod[doc.kind] ?? mod.default; break; } catch { /* try next */ }
    }
    if (!Cls && fs.existsSync(path.join(coreDir, group || version))) { console.log(`FAIL ${id}: unknown apiVersion/kind ${doc.apiVersion} ${doc.kind}`); failures++; continue; }
    if (!Cls) { console.log(`SKIP ${id}: no installed schema for ${doc.apiVersion} ${doc.kind}`); skipped++; continue; }
    try { new Cls(doc).validate(); console.log(`ok   ${id} (${doc.apiVersion})`); checked++; }
    catch (e) { console.log(`FAIL ${id}: ${e.message}`); failures++; }
  }
}
console.log(`${checked} passed, ${failures} failed, ${skipped} skipped`);
process.exit(failures ? 1 : 0);
