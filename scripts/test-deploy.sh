#!/usr/bin/env bash
# The deployment suites (issue 13), kept apart from scripts/test.sh so that CI can run them beside it (.ci/run):
#   1. lint: shellcheck on every shell script; dockerfilelint and dockerfile-utils on deploy/docker/Dockerfile; the
#      compose file against the Compose Specification's schema; haproxy -c, promtool (config, rules and their unit
#      tests) and amtool on the compose stack's configuration;
#   2. build, in a private copy of the tree (a concurrent scripts/test.sh build of the same projects is never
#      disturbed): the published switchboard, and "the next release": the same plus a test-only additive migration
#      (tests/Switchboard.Deploy.Tests/NextRelease) numbered one past the product's latest;
#   3. the image from deploy/docker/Dockerfile with buildah (and its pgtools target), on local stand-ins for its base
#      images (scripts/standin-images.sh: this network cannot pull from mcr.microsoft.com);
#   4. tests/Switchboard.Deploy.Tests: the image run read-only as a non-root uid (health check, an authenticated tool
#      call, the conformance suite's active scenarios, podman stop), its -pgtools variant backing up and restoring
#      PostgreSQL, then three replicas behind HAProxy under load: a rolling restart, an upgrade with a migration and
#      a rollback (0 failed calls), and a kill -9.
#
#   scripts/test-deploy.sh install   install what the suites need (Debian packages), then stop
#   scripts/test-deploy.sh run       run them (after install)
#   scripts/test-deploy.sh           both
#
# Needs root on Debian bookworm (apt-get, podman), the .NET 10 SDK, and Node.js with npm. The image tests are skipped,
# saying why, only where podman cannot run a container at all; everything else must pass.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/debian.sh
source scripts/lib/debian.sh
repo="$PWD"

packages=(podman buildah runc iptables uidmap debootstrap haproxy shellcheck prometheus prometheus-alertmanager postgresql redis-server)
image=localhost/switchboard:ci

log() { echo "test-deploy.sh: $*" >&2; }
seconds() { echo $((SECONDS - $1)); }

install() { install_debian_packages test-deploy.sh "${packages[@]}"; }

lint() {
  local scripts
  mapfile -t scripts < <(git ls-files --cached --others --exclude-standard '*.sh' .ci/run 2>/dev/null ||
    find scripts .ci -type f \( -name '*.sh' -o -name run \))
  shellcheck "${scripts[@]}"
  log "shellcheck: ${#scripts[@]} scripts clean"
  (cd scripts/lint && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  scripts/lint/node_modules/.bin/dockerfilelint deploy/docker/Dockerfile >"$work/dockerfilelint.log" ||
    { cat "$work/dockerfilelint.log"; exit 1; }
  scripts/lint/node_modules/.bin/dockerfile-utils lint deploy/docker/Dockerfile
  log "dockerfilelint, dockerfile-utils: deploy/docker/Dockerfile clean"
  node scripts/lint/validate-compose.mjs deploy/compose/compose.yaml
  haproxy -c -q -f deploy/compose/haproxy.cfg
  # The compose stack mounts its monitoring configuration from deploy/monitoring (scripts/test-monitoring.sh tests
  # the Switchboard rules themselves).
  promtool check config --syntax-only deploy/monitoring/prometheus/prometheus.yml >/dev/null
  (cd deploy/monitoring/prometheus/rules && promtool check rules haproxy.rules.yml >/dev/null && promtool test rules haproxy.rules.test.yml >/dev/null)
  amtool check-config deploy/monitoring/alertmanager/alertmanager.yml >/dev/null
  log "compose: haproxy -c, promtool check/test, amtool check-config clean"
}

# A copy of the tree as git sees it (tracked and new files, nothing ignored), for builds of our own.
copy_tree() {
  local target="$1"
  mkdir -p "$target"
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -c 2>/dev/null | tar -C "$target" -x
  else
    tar -c --exclude=bin --exclude=obj --exclude=node_modules --exclude=artifacts --exclude=.git . | tar -C "$target" -x
  fi
}

publish() {
  local tree="$1" migrations latest next
  (cd "$tree" && dotnet publish src/Switchboard -c Release -o artifacts/publish/switchboard -warnaserror -v quiet -nologo)
  migrations="$tree/src/Switchboard.Storage/Migrations"
  latest="$(find "$migrations/Sqlite" -name '[0-9][0-9][0-9][0-9]_*.sql' -printf '%f\n' | sort | tail -n 1 | cut -c1-4)"
  next="$(printf '%04d' $((10#$latest + 1)))"
  for provider in Sqlite PostgreSql; do
    cp "$tree/tests/Switchboard.Deploy.Tests/NextRelease/upgrade_probe.sql" "$migrations/$provider/${next}_upgrade_probe.sql"
  done
  (cd "$tree" && dotnet publish src/Switchboard -c Release -o artifacts/publish/switchboard-next -warnaserror -v quiet -nologo \
    -p:Version="$(version)-next")
  (cd "$tree" && dotnet build tests/Switchboard.Deploy.Tests -c Release -warnaserror -v quiet -nologo)
  (cd "$tree/tests/interop" && npm ci --no-audit --no-fund --loglevel=error)
  log "published the current release and the next (schema $next) under $tree/artifacts/publish"
}

version() { sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props; }

# Builds the image; prints why podman cannot run containers instead, when it cannot, and succeeds.
build_image() {
  local tree="$1"
  export CONTAINERS_CONF="$repo/scripts/containers.conf"
  if ! podman info >"$work/podman-check.log" 2>&1; then
    echo "podman info failed: $(tail -n 3 "$work/podman-check.log" | tr '\n' ' ')" >"$work/podman-unavailable"
    return
  fi
  scripts/standin-images.sh
  if ! podman run --rm --entrypoint dotnet mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled-extra --list-runtimes >"$work/podman-check.log" 2>&1; then
    echo "podman run failed: $(tail -n 3 "$work/podman-check.log" | tr '\n' ' ')" >"$work/podman-unavailable"
    return
  fi
  # The CA bundle lets `dotnet restore` inside the build trust this network's TLS proxy; --format docker keeps
  # HEALTHCHECK; --layers lets the second build (the pgtools target) reuse the first one's build stage.
  local build=(buildah bud --format docker --pull=never --layers
    -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro
    --build-arg TARGETARCH=amd64 --build-arg VERSION="$(version)" --build-arg REVISION="$(revision)"
    --build-arg SOURCE="$(git config --get remote.origin.url 2>/dev/null || echo unknown)"
    -f deploy/docker/Dockerfile)
  "${build[@]}" -t "$image" "$tree"
  "${build[@]}" --target pgtools -t "$image-pgtools" "$tree"
  podman image prune --force >/dev/null
}

revision() { git rev-parse HEAD 2>/dev/null || echo unknown; }

put() { printf 'export %s=%q\n' "$1" "$2"; }

run() {
  local started=$SECONDS step status=0
  work="$(mktemp -d /tmp/switchboard-deploy.XXXXXX)"
  # SWITCHBOARD_DEPLOY_KEEP=1 keeps the builds, to rerun the tests alone (the command is printed at the end).
  if [[ "${SWITCHBOARD_DEPLOY_KEEP:-}" != 1 ]]; then
    trap 'rm -rf "$work"' EXIT
  fi
  report="$work/report.txt"
  touch "$report"

  echo "==> Lint"
  step=$SECONDS
  lint
  log "lint took $(seconds "$step") s"

  echo "==> Building: the image (in the background) and the published releases, in a copy of the tree"
  step=$SECONDS
  copy_tree "$work/tree"
  build_image "$work/tree" >"$work/image.log" 2>&1 &
  local image_job=$!
  publish "$work/tree"
  if ! wait "$image_job"; then
    cat "$work/image.log"
    log "building the image failed"
    exit 1
  fi
  log "builds took $(seconds "$step") s"

  local podman_note=""
  if [[ -f "$work/podman-unavailable" ]]; then
    podman_note="$(cat "$work/podman-unavailable")"
    log "SKIPPING the image tests: podman cannot run a container here ($podman_note)"
  else
    local size base
    size="$(podman image inspect --format '{{.Size}}' "$image")"
    base="$(podman image inspect --format '{{.Size}}' mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled-extra)"
    log "image $image: $((size / 1000000)) MB on the stand-in base, of which Switchboard's layers $(((size - base) / 1000000)) MB"
  fi

  echo "==> tests/Switchboard.Deploy.Tests"
  step=$SECONDS
  local pg_bin env_file
  pg_bin="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin | sort -V | tail -n 1)"
  env_file="$work/tests.env"
  {
    put SWITCHBOARD_DEPLOY_PUBLISHED "$work/tree/artifacts/publish/switchboard"
    put SWITCHBOARD_DEPLOY_NEXT "$work/tree/artifacts/publish/switchboard-next"
    put SWITCHBOARD_DEPLOY_IMAGE "$image"
    put SWITCHBOARD_DEPLOY_PGTOOLS_IMAGE "$image-pgtools"
    put SWITCHBOARD_DEPLOY_IMAGE_VERSION "$(version)"
    put SWITCHBOARD_DEPLOY_IMAGE_REVISION "$(revision)"
    put SWITCHBOARD_DEPLOY_PODMAN_UNAVAILABLE "$podman_note"
    put SWITCHBOARD_DEPLOY_INTEROP "$work/tree/tests/interop"
    put SWITCHBOARD_DEPLOY_REPORT "$report"
    put SWITCHBOARD_TEST_PG_BIN "$pg_bin"
    put SWITCHBOARD_TEST_REDIS_SERVER "$(command -v redis-server)"
    put CONTAINERS_CONF "$repo/scripts/containers.conf"
  } >"$env_file"
  # shellcheck source=/dev/null
  (source "$env_file" && "$work/tree/tests/Switchboard.Deploy.Tests/bin/Release/net10.0/Switchboard.Deploy.Tests" "$@") || status=$?
  log "tests took $(seconds "$step") s"

  echo "==> Deployment numbers"
  cat "$report"
  log "all deployment suites took $(seconds "$started") s"
  if [[ "${SWITCHBOARD_DEPLOY_KEEP:-}" == 1 ]]; then
    log "kept $work; rerun the tests with: (source $env_file && $work/tree/tests/Switchboard.Deploy.Tests/bin/Release/net10.0/Switchboard.Deploy.Tests)"
  fi
  return "$status"
}

case "${1:-all}" in
  install) install ;;
  run) shift; run "$@" ;;
  all) install; run ;;
  *) echo "usage: $0 [install|run]" >&2; exit 2 ;;
esac
