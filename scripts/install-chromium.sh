#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the browser tests, when missing. Needs root and
# apt; prints nothing on success, says so and exits non-zero when it cannot install.
set -euo pipefail

if command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: cannot install chromium and chromium-driver here (needs root and apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; then
  apt-get update -q >/dev/null
  apt-get install -y -q chromium chromium-driver >/dev/null
fi
