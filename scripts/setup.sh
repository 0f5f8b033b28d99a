#!/usr/bin/env bash
# Idempotent set-up for a fresh machine (CI runs it as root on a clean checkout).
# Installs the Debian packages vmpilot's tests and demo start by hand, then npm packages,
# then builds the TypeScript. Quiet when everything is already there.
# `--ui` (npm run demo) also installs the Grafana panel plugin's package and builds the
# plugin and the live view page the autoscaler serves at /ui/; `--panel` (npm test) does
# that and installs Chromium for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
panel=0
ui=0
if [ "${1:-}" = "--panel" ]; then panel=1; ui=1; fi
if [ "${1:-}" = "--ui" ]; then ui=1; fi

DEB_PKGS=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients libvirt-dev
  qemu-system-x86 prometheus prometheus-alertmanager prometheus-libvirt-exporter
  iproute2 procps openssl util-linux etcd-server etcd-client)
if [ "$panel" -eq 1 ]; then DEB_PKGS+=(chromium); fi

missing=()
for p in "${DEB_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Debian's packages try to start their services; there is no init system here, so
  # a policy-rc.d that forbids starts keeps the install quiet and our ports free.
  # Removed again afterwards unless the machine already had one.
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    own_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "$own_policy" -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

# Without udev, /dev/kvm is left root-only (600) and libvirtd re-probes QEMU on every call
# (`virsh create` of a TCG domain measured 40 s instead of 0.44 s): give it what
# Debian's udev rule gives, group kvm and mode 660. Nothing to do without /dev/kvm, or
# when the group can already read and write it.
kvm_ok() { # $1: a device node; true when group kvm may read and write it
  [ "$(stat -c '%G' "$1")" = kvm ] && [ $((8#$(stat -c '%a' "$1") & 8#060)) -eq $((8#060)) ]
}
if [ -c /dev/kvm ] && [ "$(id -u)" -eq 0 ] && ! kvm_ok /dev/kvm; then
  getent group kvm >/dev/null || groupadd --system kvm
  chgrp kvm /dev/kvm && chmod 660 /dev/kvm
fi

# The lockfile records every platform's optional binaries (npm 11 drops them when it
# rewrites a lockfile over an existing node_modules, npm/cli#4828: regenerate it from
# scratch, `rm -rf node_modules package-lock.json && npm install`). `npm ci` installs
# exactly it, and fails loudly when it is out of sync.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
# The lab's guest image (vmpilot lab, test/lab): a kernel and initramfs built from Debian
# packages into /var/cache/vmpilot/lab, nothing installed; a lookup once cached.
if [ "$(id -u)" -eq 0 ]; then node bin/vmpilot.js lab image >/dev/null; fi

# The Grafana panel plugin is a package of its own (~830 MB of node_modules): installed
# here so `npm test` can type-check, lint, test, build it and drive it in Chromium.
if [ "$ui" -eq 1 ] && { [ ! -d grafana-plugin/node_modules ] ||
  [ grafana-plugin/package-lock.json -nt grafana-plugin/node_modules/.package-lock.json ]; }; then
  (cd grafana-plugin && npm ci --no-audit --no-fund --loglevel=error)
fi
# The live view (/ui/) serves the plugin build (grafana-plugin/dist) and its page
# (grafana-plugin/live/dist): rebuilt when a source is newer than the page (~2 min).
if [ "$ui" -eq 1 ] && { [ ! -f grafana-plugin/live/dist/index.html ] || [ ! -f grafana-plugin/dist/module.js ] ||
  [ -n "$(find grafana-plugin/src grafana-plugin/live grafana-plugin/package-lock.json -newer grafana-plugin/live/dist/index.html \
    -not -path '*/live/dist/*' -print -quit)" ]; }; then
  echo "setup: building the panel plugin and the live view page (grafana-plugin)"
  if ! out=$(npm --prefix grafana-plugin run --silent build:all 2>&1); then
    echo "$out" >&2
    exit 1
  fi
fi
