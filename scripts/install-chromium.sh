#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (test/browser). The tests drive it with
# playwright-core; no browser is ever downloaded by a test tool.
set -euo pipefail

CHROMIUM="${PARLEY_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  "$CHROMIUM" --version
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale on a fresh machine: refresh them only when the install fails.
if ! $SUDO apt-get install -y -q --no-install-recommends chromium; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends chromium
fi
"$CHROMIUM" --version
