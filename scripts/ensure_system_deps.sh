#!/usr/bin/env bash
# Installs the Debian packages the browser tests and image export need, when they are missing:
# chromium (driven by Playwright and kaleido; never a downloaded browser), fonts-noto-cjk (Chinese text) and
# haproxy (the proxy in front of the workers of `make serve`, started for real by tests/serve), postgresql and
# openjdk-17-jre-headless (the PostgreSQL and Spark Connect servers that tests/engines starts on loopback).
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
[ -x /usr/sbin/haproxy ] || missing+=(haproxy)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
dpkg -s openjdk-17-jre-headless >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
else
    echo "Not root and no password-less sudo. Please run, as an administrator:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    echo "then run make test again." >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
