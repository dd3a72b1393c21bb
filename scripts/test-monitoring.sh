#!/usr/bin/env bash
# The monitoring suites (issue 12), kept apart from scripts/test.sh so that CI can run them beside it (.ci/run):
#   1. static checks of deploy/monitoring: promtool check config/rules and the rules' unit tests (every alert fires at
#      its burn rate or duration and stays silent below it), amtool check-config and the routing of each severity,
#      a runbook in docs/runbooks for every alert, the Prometheus Operator PrometheusRule rendered from the rule file,
#      yamllint on every YAML file, jq on every dashboard, the Kubernetes manifests against their schemas;
#   2. build, in a private copy of the tree (a concurrent scripts/test.sh build is never disturbed): the published
#      switchboard and tests/Switchboard.Monitoring.Tests;
#   3. tests/Switchboard.Monitoring.Tests, end to end: a real Prometheus scrapes the published switchboard serve under
#      load with the shipped rules; its database stopped, SwitchboardDatabaseUnavailable fires and a real Alertmanager
#      pages a local PagerDuty stand-in; the database back, the page resolves; then every recording rule and every
#      dashboard panel query, every single-threshold alert's query and the Argo Rollouts canary analysis queries
#      (extracted from the rendered chart) must return data.
#
#   scripts/test-monitoring.sh install   install what the suites need (Debian packages), then stop
#   scripts/test-monitoring.sh run       run them (after install); extra arguments go to the test executable
#   scripts/test-monitoring.sh check     only the static checks (seconds; no build)
#   scripts/test-monitoring.sh render    regenerate deploy/monitoring/kubernetes/prometheusrule.yaml from the rule file
#   scripts/test-monitoring.sh           install, then run
#
# Needs root on Debian bookworm (apt-get) and the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/debian.sh
source scripts/lib/debian.sh

packages=(prometheus prometheus-alertmanager postgresql redis-server yamllint jq)
# minihelm renders the chart for the canary analysis queries where helm is not installed.
command -v helm >/dev/null || packages+=(golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev)
# kubectl (for `kubectl kustomize`) is not a Debian package: the static checks use it when it is on PATH.
monitoring=deploy/monitoring
rules=$monitoring/prometheus/rules

log() { echo "test-monitoring.sh: $*" >&2; }
seconds() { echo $((SECONDS - $1)); }

install() { install_debian_packages test-monitoring.sh "${packages[@]}"; }

# The alert names a rule file defines, one per line.
alerts_in() { sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$1"; }

# The PrometheusRule for the Prometheus Operator: the rule file's groups under spec, comments and all.
render_prometheusrule() {
  cat "$monitoring/kubernetes/prometheusrule.header.yaml"
  sed -n '/^groups:/,$p' "$rules/switchboard.rules.yml" | sed 's/^./  &/'
}

static_checks() {
  promtool check config --syntax-only "$monitoring/prometheus/prometheus.yml" >/dev/null
  (cd "$rules" && promtool check rules switchboard.rules.yml haproxy.rules.yml >/dev/null)
  (cd "$rules" && promtool test rules switchboard.rules.test.yml haproxy.rules.test.yml >/dev/null) ||
    (cd "$rules" && promtool test rules switchboard.rules.test.yml haproxy.rules.test.yml)
  log "promtool: configuration and rules valid, $(grep -c '^  - name:' "$rules/switchboard.rules.test.yml" "$rules/haproxy.rules.test.yml" | awk -F: '{n += $2} END {print n}') unit-test groups pass"

  local config=$monitoring/alertmanager/alertmanager.yml
  amtool check-config "$config" >/dev/null
  local severity receiver output
  for severity in critical:pagerduty-critical warning:slack-warnings; do
    receiver=${severity#*:}
    output="$(amtool config routes test --config.file="$config" --verify.receivers="$receiver" severity="${severity%%:*}" alertname=Any 2>&1)" ||
      { echo "$output"; log "severity=${severity%%:*} does not route to $receiver"; exit 1; }
  done
  if grep -nE '^\s*(routing_key|service_key|api_url|api_key|auth_token|password):' "$config"; then
    log "$config holds a secret inline: use the *_file setting"
    exit 1
  fi
  log "amtool: configuration valid; critical routes to PagerDuty, warning to Slack; secrets only from files"

  local alert unmatched=0 count=0
  while read -r alert; do
    count=$((count + 1))
    if [[ ! -s "docs/runbooks/$alert.md" ]]; then
      log "no runbook docs/runbooks/$alert.md"
      unmatched=1
    fi
    if ! grep -q "runbook_url: docs/runbooks/$alert.md" "$rules"/*.rules.yml; then
      log "$alert has no runbook_url docs/runbooks/$alert.md"
      unmatched=1
    fi
    if ! grep -q "alertname: $alert\$" "$rules"/*.rules.test.yml; then
      log "$alert has no promtool unit test in $rules/*.rules.test.yml"
      unmatched=1
    fi
  done < <(alerts_in "$rules/switchboard.rules.yml"; alerts_in "$rules/haproxy.rules.yml")
  ((unmatched == 0)) || exit 1
  log "every one of the $count alerts has a runbook (docs/runbooks/<alert>.md) and a unit test"

  if ! diff -u "$monitoring/kubernetes/prometheusrule.yaml" <(render_prometheusrule); then
    log "$monitoring/kubernetes/prometheusrule.yaml is stale: regenerate it with '$0 render'"
    exit 1
  fi
  yamllint -s -c "$monitoring/.yamllint" "$monitoring" deploy/compose/compose.yaml
  if command -v kubectl >/dev/null; then
    kubectl kustomize "$monitoring/logging" >/dev/null
    log "kubectl kustomize: the log-shipping DaemonSet renders"
  else
    log "kubectl is not on PATH: the log-shipping kustomization was not rendered"
  fi
  local dashboard
  for dashboard in "$monitoring"/grafana/dashboards/*.json "$monitoring"/logging/*.json; do
    jq -e '.' "$dashboard" >/dev/null
  done
  log "PrometheusRule in step with the rule file; yamllint and jq clean"
}

# The Prometheus Operator objects and the log-shipping manifests against the Kubernetes and prometheus-operator
# schemas, with the shared validator (../shared/tools, which CI has beside the clone) and pinned npm packages.
k8s_schemas() {
  local validator=../shared/tools/validate-k8s.mjs dir="$work/k8s-schemas"
  if [[ ! -f "$validator" ]] || ! command -v npm >/dev/null; then
    log "schema check of deploy/monitoring/kubernetes and logging skipped: no $validator or no npm here"
    return
  fi
  mkdir -p "$dir"
  cp "$validator" "$dir/"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error \
    kubernetes-models@5.1.0 @kubernetes-models/prometheus-operator@6.0.0 js-yaml@5.5.0 >/dev/null)
  local manifest
  for manifest in "$monitoring"/kubernetes/{servicemonitor,podmonitor,prometheusrule}.yaml; do
    cat "$manifest"
    echo ---
  done >"$dir/rendered.yaml"
  kubectl kustomize "$monitoring/logging" >>"$dir/rendered.yaml"
  node "$dir/validate-k8s.mjs" "$dir/rendered.yaml" >"$dir/schemas.log" || { cat "$dir/schemas.log"; exit 1; }
  log "schemas: $(tail -n 1 "$dir/schemas.log") (ServiceMonitor, PodMonitor, PrometheusRule, Fluent Bit DaemonSet)"
}

# The canary analysis queries (issue 14) exactly as the chart renders them with the production values (canary and
# blue/green), as JSON for the end-to-end test, which runs them against its live Prometheus for the pod-template hash
# its scrape labels carry (what the ServiceMonitor's podTargetLabels attach in a cluster).
analysis_queries() {
  local chart=deploy/helm/switchboard render shared_tools="${SHARED_TOOLS:-../shared/tools}"
  if command -v helm >/dev/null; then
    render="helm template"
  else
    [[ -x "$shared_tools/minihelm/build.sh" ]] || { log "no helm on PATH and no minihelm at $shared_tools/minihelm (set SHARED_TOOLS)"; exit 1; }
    render="$("$shared_tools/minihelm/build.sh" "$work/minihelm" | tail -n 1)"
  fi
  [[ -d scripts/k8s/node_modules ]] || (cd scripts/k8s && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  # shellcheck disable=SC2086 # $render is a command and its subcommand
  {
    $render switchboard "$chart" --namespace switchboard -f "$chart/values-production.yaml"
    echo ---
    $render switchboard "$chart" --namespace switchboard -f "$chart/values-production.yaml" --set rollout.strategy=blueGreen
  } >"$work/chart-production.yaml"
  ANALYSIS_REVISION_HASH=e2e-canary node scripts/k8s/analysis-rules.mjs --json "$work/chart-production.yaml" >"$work/analysis-queries.json"
  log "canary analysis: $(grep -o '"record"' "$work/analysis-queries.json" | wc -l) queries from the chart rendered with ${render%% *}"
}

copy_tree() {
  local target="$1"
  mkdir -p "$target"
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -c 2>/dev/null | tar -C "$target" -x
  else
    tar -c --exclude=bin --exclude=obj --exclude=node_modules --exclude=artifacts --exclude=.git . | tar -C "$target" -x
  fi
}

run() {
  local started=$SECONDS step status=0
  work="$(mktemp -d /tmp/switchboard-monitoring.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  local report="$work/report.txt"
  touch "$report"

  echo "==> Static checks (promtool, amtool, runbooks, yamllint, jq)"
  step=$SECONDS
  static_checks
  if command -v kubectl >/dev/null; then
    k8s_schemas
  fi
  log "static checks took $(seconds "$step") s"

  analysis_queries

  echo "==> Building the published switchboard and the tests, in a copy of the tree"
  step=$SECONDS
  copy_tree "$work/tree"
  # SWITCHBOARD_PUBLISHED names a switchboard published already (a developer's artifacts/publish): reuse it.
  local published="${SWITCHBOARD_PUBLISHED:-$work/tree/artifacts/publish/switchboard/switchboard}"
  if [[ -z "${SWITCHBOARD_PUBLISHED:-}" ]]; then
    (cd "$work/tree" && dotnet publish src/Switchboard -c Release -o artifacts/publish/switchboard -warnaserror -v quiet -nologo)
  fi
  (cd "$work/tree" && dotnet build tests/Switchboard.Monitoring.Tests -c Release -warnaserror -v quiet -nologo)
  log "builds took $(seconds "$step") s (testing $published)"

  echo "==> tests/Switchboard.Monitoring.Tests"
  step=$SECONDS
  local pg_bin
  pg_bin="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin | sort -V | tail -n 1)"
  SWITCHBOARD_PUBLISHED="$published" \
    SWITCHBOARD_TEST_PG_BIN="$pg_bin" \
    SWITCHBOARD_TEST_REDIS_SERVER="$(command -v redis-server)" \
    SWITCHBOARD_MONITORING_REPORT="$report" \
    SWITCHBOARD_MONITORING_ANALYSIS_QUERIES="$work/analysis-queries.json" \
    "$work/tree/tests/Switchboard.Monitoring.Tests/bin/Release/net10.0/Switchboard.Monitoring.Tests" "$@" || status=$?
  log "tests took $(seconds "$step") s"

  echo "==> Monitoring numbers"
  cat "$report"
  log "all monitoring suites took $(seconds "$started") s"
  return "$status"
}

case "${1:-all}" in
  install) install ;;
  run) shift; run "$@" ;;
  check) static_checks ;;
  render) render_prometheusrule >"$monitoring/kubernetes/prometheusrule.yaml" ;;
  all) install; run ;;
  *) echo "usage: $0 [install|run|check|render]" >&2; exit 2 ;;
esac
