# Sourced by the test scripts: installs the Debian packages a script needs and the machine lacks.
# shellcheck shell=bash

# install_debian_packages LOG_PREFIX PACKAGE...: apt-get installs only the missing ones. Several scripts run at once
# in CI, so each waits for the dpkg lock instead of failing on it.
install_debian_packages() {
  local prefix=$1 missing=() package
  shift
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  ((${#missing[@]} > 0)) || return 0
  echo "$prefix: installing ${missing[*]} (Debian packages)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
