#!/usr/bin/env bash
# Installs vmpilot as a service on a Debian host (run as root from a built checkout):
#   - the `vmpilot` system user and group (home /var/lib/vmpilot, no shell), member of the
#     `libvirt` group (created if the libvirt packages have not yet);
#   - the application in PREFIX (default /opt/vmpilot: dist/, bin/, production node_modules)
#     and /usr/local/bin/vmpilot;
#   - /etc/vmpilot/vmpilot.yaml (dry run; kept if present), /etc/default/vmpilot-{exporter,autoscaler};
#   - state in /var/lib/vmpilot (owned by vmpilot, mode 750);
#   - the systemd units vmpilot-exporter.service and vmpilot-autoscaler.service
#     (`systemctl daemon-reload` when systemd runs; nothing is enabled or started);
#   - alerts/, dashboards/ and docs/ in /usr/share/vmpilot.
#
# Why a script and not a Debian package: vmpilot is a Node.js application whose npm
# dependencies (koffi ships per-platform native binaries) are installed from the committed
# lockfile; packaging them as .debs is a project of its own. The script is idempotent.
#
# Usage: scripts/install.sh [--root DIR] [--prefix DIR]
#   --root DIR   install under DIR instead of / (the user and group are still created on
#                this machine; used by test/service/units.test.ts)
set -euo pipefail
cd "$(dirname "$0")/.."
root=""
prefix=/opt/vmpilot
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="${2:?--root needs a directory}"; shift 2 ;;
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (it creates the vmpilot user and system directories)" >&2
  exit 1
fi
if [ ! -f dist/autoscaler/cli/main.js ]; then
  echo "install.sh: dist/ is missing: run npm ci && npm run build first" >&2
  exit 1
fi

# The user and the groups (machine-wide even with --root).
getent group libvirt >/dev/null || groupadd --system libvirt
getent group vmpilot >/dev/null || groupadd --system vmpilot
if ! getent passwd vmpilot >/dev/null; then
  useradd --system --gid vmpilot --home-dir /var/lib/vmpilot --no-create-home \
    --shell /usr/sbin/nologin --comment "vmpilot autoscaler" vmpilot
fi
usermod -a -G libvirt vmpilot

# The application: compiled code and production dependencies from the lockfile.
app="$root$prefix"
install -d -m 0755 "$app"
rm -rf "$app/dist" "$app/bin"
cp -r dist bin package.json package-lock.json "$app/"
(cd "$app" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error)
# The live view (/ui/): the built panel plugin and its page, when they were built
# (`npm run setup -- --ui`); without them /ui/ says how to build them.
rm -rf "$app/grafana-plugin"
if [ -f grafana-plugin/dist/module.js ] && [ -f grafana-plugin/live/dist/index.html ]; then
  install -d -m 0755 "$app/grafana-plugin/live"
  cp -r grafana-plugin/package.json grafana-plugin/dist "$app/grafana-plugin/"
  cp -r grafana-plugin/live/dist "$app/grafana-plugin/live/"
fi
chmod -R u=rwX,go=rX "$app"
install -d -m 0755 "$root/usr/local/bin"
ln -sfn "../../..$prefix/bin/vmpilot.js" "$root/usr/local/bin/vmpilot" # relative: right under --root too

# Config (never overwritten), state, units, shared files.
install -d -m 0750 -o root -g vmpilot "$root/etc/vmpilot"
[ -e "$root/etc/vmpilot/vmpilot.yaml" ] ||
  install -m 0640 -o root -g vmpilot scripts/systemd/vmpilot.yaml "$root/etc/vmpilot/vmpilot.yaml"
install -d -m 0755 "$root/etc/default"
for unit in exporter autoscaler; do
  [ -e "$root/etc/default/vmpilot-$unit" ] ||
    install -m 0644 "scripts/systemd/vmpilot-$unit.default" "$root/etc/default/vmpilot-$unit"
done
install -d -m 0750 -o vmpilot -g vmpilot "$root/var/lib/vmpilot"
install -d -m 0755 "$root/etc/systemd/system"
install -m 0644 scripts/systemd/vmpilot-exporter.service scripts/systemd/vmpilot-autoscaler.service \
  "$root/etc/systemd/system/"
install -d -m 0755 "$root/usr/share/vmpilot"
cp -r alerts dashboards docs README.md "$root/usr/share/vmpilot/"
install -d -m 0755 "$root/usr/share/bash-completion/completions"
node "$app/bin/vmpilot.js" completion bash >"$root/usr/share/bash-completion/completions/vmpilot"

if [ -z "$root" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  echo "installed; start with: systemctl enable --now vmpilot-exporter (each KVM host), vmpilot-autoscaler (one per cluster)"
else
  echo "installed under ${root:-/} (systemd is not running here: units copied, not loaded)"
fi
