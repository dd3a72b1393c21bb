#!/usr/bin/env bash
# Builds local stand-ins for the base images deploy/docker/Dockerfile names, on machines that cannot pull from
# mcr.microsoft.com (CI here reaches only Debian, NuGet and npm). From a debootstrapped Debian bookworm root
# filesystem and this machine's .NET:
#
#   mcr.microsoft.com/dotnet/sdk:10.0-noble                    Debian + the whole .NET SDK: build stages may RUN.
#   mcr.microsoft.com/dotnet/aspnet:10.0-noble                 Debian + the ASP.NET Core runtime, user app (1654)
#                                                              defined, root by default, apt works.
#   mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled-extra  as the real one: no shell, no package manager, ICU and
#                                                              tzdata, the ASP.NET Core runtime, user app (1654).
#
# The real images are Ubuntu noble; the stand-ins carry the same .NET, libraries and conventions (user, ports,
# environment), so the Dockerfile builds and runs unchanged. What they are built from is cached: the root filesystem
# under $SWITCHBOARD_STANDIN_CACHE (default /var/tmp/switchboard-standins), the images in podman's store with a label
# naming their inputs; each is rebuilt only when those change. Needs root, debootstrap, podman and buildah.
set -euo pipefail

cache="${SWITCHBOARD_STANDIN_CACHE:-/var/tmp/switchboard-standins}"
mirror="${SWITCHBOARD_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
# What chiseled-extra adds to chiseled (ICU, tzdata) and what .NET needs from the system (OpenSSL, CA certificates).
packages=libicu72,tzdata,ca-certificates,libssl3
sdk_tag=mcr.microsoft.com/dotnet/sdk:10.0-noble
aspnet_tag=mcr.microsoft.com/dotnet/aspnet:10.0-noble
runtime_tag=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled-extra
rootfs_tag=localhost/switchboard-standin-rootfs:$suite
label=io.switchboard.standin.inputs
app_uid=1654

log() { echo "standin-images.sh: $*" >&2; }

dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
runtime_version="$(find "$dotnet_root/shared/Microsoft.AspNetCore.App" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)"
inputs="$(printf '%s\n' "$suite" "$packages" "$(ls "$dotnet_root/sdk" "$dotnet_root/shared/"*)" "$(sha256sum <"$0")" | sha256sum | cut -c1-16)"

current() { [[ "$(podman image inspect --format "{{index .Labels \"$label\"}}" "$1" 2>/dev/null || true)" == "$inputs" ]]; }

build_rootfs() {
  local rootfs="$cache/rootfs-$suite" stamp="$cache/rootfs-$suite.packages"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$packages" ]]; then
    return
  fi
  log "debootstrap $suite ($packages) into $rootfs"
  rm -rf "$rootfs" "$stamp"
  mkdir -p "$cache"
  debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  echo "$packages" >"$stamp"
  podman rmi --force "$rootfs_tag" >/dev/null 2>&1 || true
}

rootfs_image() {
  if ! podman image exists "$rootfs_tag"; then
    tar -C "$cache/rootfs-$suite" -c . | podman import --quiet - "$rootfs_tag" >/dev/null
  fi
}

build_sdk() {
  local container
  rootfs_image
  log "building $sdk_tag from $rootfs_tag and $dotnet_root"
  container="$(buildah from --pull-never "$rootfs_tag")"
  buildah copy --quiet "$container" "$dotnet_root" /usr/share/dotnet >/dev/null
  buildah config \
    --env PATH=/usr/share/dotnet:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env DOTNET_ROOT=/usr/share/dotnet \
    --env APP_UID=$app_uid \
    --env DOTNET_RUNNING_IN_CONTAINER=true \
    --env DOTNET_NOLOGO=true \
    --env DOTNET_GENERATE_ASPNET_CERTIFICATE=false \
    --env NUGET_XMLDOC_MODE=skip \
    --label "$label=$inputs" \
    --cmd /bin/bash "$container"
  buildah commit --quiet --rm --format docker "$container" "$sdk_tag" >/dev/null
}

# The files that make the ASP.NET Core runtime, relative to /, as tar members renamed to usr/share/dotnet.
runtime_members() {
  local dotnet_rel="${dotnet_root#/}"
  printf '%s\n' "$dotnet_rel/dotnet" "$dotnet_rel/host" "$dotnet_rel/shared/Microsoft.NETCore.App/$runtime_version" \
    "$dotnet_rel/shared/Microsoft.AspNetCore.App/$runtime_version"
}

build_aspnet() {
  local rootfs="$cache/rootfs-$suite" extra container members
  log "building $aspnet_tag from $rootfs_tag and .NET $runtime_version"
  extra="$(mktemp -d)"
  mkdir -p "$extra/etc" "$extra/home/app" "$extra/usr/bin"
  { cat "$rootfs/etc/passwd"; printf 'app:x:%s:%s::/home/app:/usr/sbin/nologin\n' "$app_uid" "$app_uid"; } >"$extra/etc/passwd"
  { cat "$rootfs/etc/group"; printf 'app:x:%s:\n' "$app_uid"; } >"$extra/etc/group"
  chown "$app_uid:$app_uid" "$extra/home/app"
  ln -s /usr/share/dotnet/dotnet "$extra/usr/bin/dotnet"
  mapfile -t members < <(runtime_members)
  rootfs_image
  tar -c -C / --transform "s,^${dotnet_root#/},usr/share/dotnet," "${members[@]}" -C "$extra" ./etc/passwd ./etc/group ./home/app ./usr/bin/dotnet >"$extra.tar"
  container="$(buildah from --pull-never "$rootfs_tag")"
  buildah add --quiet "$container" "$extra.tar" / >/dev/null
  buildah config \
    --env APP_UID=$app_uid \
    --env ASPNETCORE_HTTP_PORTS=8080 \
    --env DOTNET_RUNNING_IN_CONTAINER=true \
    --env DOTNET_VERSION="$runtime_version" \
    --env ASPNET_VERSION="$runtime_version" \
    --label "$label=$inputs" "$container"
  buildah commit --quiet --rm --format docker "$container" "$aspnet_tag" >/dev/null
  rm -rf "$extra" "$extra.tar"
}

build_runtime() {
  local rootfs="$cache/rootfs-$suite" extra members dotnet_rel="${dotnet_root#/}"
  log "building $runtime_tag (no shell, no package manager) from $rootfs and .NET $runtime_version"
  extra="$(mktemp -d)"
  mkdir -p "$extra/etc" "$extra/home/app" "$extra/usr/bin" "$extra/tmp"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\napp:x:%s:%s::/home/app:/usr/sbin/nologin\n' "$app_uid" "$app_uid" >"$extra/etc/passwd"
  printf 'root:x:0:\napp:x:%s:\n' "$app_uid" >"$extra/etc/group"
  chown "$app_uid:$app_uid" "$extra/home/app"
  chmod 1777 "$extra/tmp"
  ln -s /usr/share/dotnet/dotnet "$extra/usr/bin/dotnet"
  mapfile -t members < <(runtime_members)
  # The libraries and data the runtime loads; no /usr/bin, /usr/sbin, apt, dpkg or perl.
  tar -c \
    -C "$rootfs" --exclude=./etc/passwd --exclude=./etc/group --exclude=./etc/apt --exclude=./etc/dpkg \
    --exclude=./usr/lib/apt --exclude=./usr/lib/dpkg --exclude='./usr/lib/x86_64-linux-gnu/perl*' \
    ./lib ./lib64 ./etc ./usr/lib ./usr/lib64 ./usr/share/zoneinfo ./usr/share/ca-certificates \
    -C / --transform "s,^$dotnet_rel,usr/share/dotnet," "${members[@]}" \
    -C "$extra" ./etc/passwd ./etc/group ./home/app ./usr/bin/dotnet ./tmp |
    podman import --quiet \
      --change "ENV APP_UID=$app_uid" \
      --change "ENV ASPNETCORE_HTTP_PORTS=8080" \
      --change "ENV DOTNET_RUNNING_IN_CONTAINER=true" \
      --change "ENV DOTNET_VERSION=$runtime_version" \
      --change "ENV ASPNET_VERSION=$runtime_version" \
      --change "USER $app_uid" \
      --change "LABEL $label=$inputs" \
      - "$runtime_tag" >/dev/null
  rm -rf "$extra"
}

build_rootfs
current "$sdk_tag" || build_sdk
current "$aspnet_tag" || build_aspnet
current "$runtime_tag" || build_runtime
log "ready: $sdk_tag, $aspnet_tag, $runtime_tag (inputs $inputs)"
