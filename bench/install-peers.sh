#!/usr/bin/env bash
# Installs the peers of bench/server.sh from Debian (bookworm): wrk, nginx,
# MapServer 8 (mapserv, CGI/FastCGI), QGIS Server 3.22 (qgis_mapserv.fcgi)
# with the QGIS Python bindings (to write its project), spawn-fcgi and the
# GDAL tools. Idempotent: prints nothing and changes nothing when everything
# is already installed. Not run by CI.
#
# usage: bash bench/install-peers.sh        (as root)
set -euo pipefail

PKGS=(wrk nginx-light cgi-mapserver mapserver-bin qgis-server python3-qgis spawn-fcgi gdal-bin sqlite3 python3 curl)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-peers: run as root to install: ${missing[*]}" >&2
    exit 2
fi
echo "install-peers: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian nginx package starts a server on port 80 where services run;
# the benchmark starts its own nginx on loopback ports, so stop that one.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
    systemctl stop nginx >/dev/null 2>&1 || true
    systemctl disable nginx >/dev/null 2>&1 || true
fi
