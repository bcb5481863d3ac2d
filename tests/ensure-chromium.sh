#!/usr/bin/env bash
# Headless Chromium for the browser tests, from Debian's package, installed only when missing.
# Idempotent. Without root (or sudo) it says so and leaves the browser tests to skip, except
# with CI=true, where a missing browser is a failure.
set -uo pipefail
if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "chromium is missing and cannot be installed without root; browser tests will skip"
    [ "${CI:-}" = "true" ] && exit 1 || exit 0
fi
echo "==> installing chromium (Debian package) for the browser tests"
if $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
        --no-install-recommends chromium >/dev/null; then
    exit 0
fi
echo "could not install chromium; browser tests will skip"
[ "${CI:-}" = "true" ] && exit 1 || exit 0
