#!/usr/bin/env bash
# Headless Chromium for the browser tests, with a CJK font (fonts-noto-cjk) so that saved
# screenshots show Chinese text rather than boxes; Debian's packages, installed only when
# missing. Idempotent. Without root (or sudo) it says so and leaves the browser tests to skip,
# except with CI=true, where a missing browser is a failure.
set -uo pipefail
have_chromium() { [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; }
have_cjk_font() { dpkg -s fonts-noto-cjk >/dev/null 2>&1; }
if have_chromium && have_cjk_font; then
    exit 0
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "chromium or fonts-noto-cjk is missing and cannot be installed without root; browser tests will skip"
    [ "${CI:-}" = "true" ] && exit 1 || exit 0
fi
echo "==> installing chromium and fonts-noto-cjk (Debian packages) for the browser tests"
if $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
        --no-install-recommends chromium fonts-noto-cjk >/dev/null; then
    exit 0
fi
echo "could not install chromium and fonts-noto-cjk; browser tests will skip"
[ "${CI:-}" = "true" ] && exit 1 || exit 0
