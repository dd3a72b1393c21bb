#!/usr/bin/env bash
# Puts `switchboard` on the PATH: packs src/Switchboard (Release) as a .NET tool into artifacts/packages and
# installs it from there, replacing an installed one, globally (~/.dotnet/tools). Any arguments replace `--global`,
# e.g. `scripts/install-tool.sh --tool-path /opt/switchboard`.
# Only this repository's package is considered: a package of the same name on a public feed is never installed.
set -euo pipefail
cd "$(dirname "$0")/.."

where=("$@")
[ ${#where[@]} -gt 0 ] || where=(--global)

echo "==> Packing src/Switchboard into artifacts/packages"
dotnet pack src/Switchboard -c Release -warnaserror --nologo -v quiet
version="$(dotnet msbuild src/Switchboard -getProperty:Version)"

config="$(mktemp)"
trap 'rm -f "$config"' EXIT
cat >"$config" <<XML
<configuration>
  <packageSources>
    <clear />
    <add key="switchboard" value="$PWD/artifacts/packages" />
  </packageSources>
</configuration>
XML

echo "==> Installing switchboard $version (${where[*]})"
# Out with an installed one first: `dotnet tool update` keeps an installed tool of the same version, and a rebuilt
# package keeps its version.
dotnet tool uninstall Switchboard "${where[@]}" >/dev/null 2>&1 || true
dotnet tool install Switchboard "${where[@]}" --configfile "$config" --version "$version"

if [ "${where[*]}" = --global ] && ! command -v switchboard >/dev/null; then
  echo "Add ~/.dotnet/tools to your PATH to run 'switchboard' (export PATH=\"\$PATH:\$HOME/.dotnet/tools\")." >&2
fi
