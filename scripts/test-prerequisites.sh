#!/usr/bin/env bash
# npm test's pretest step: what the tests need besides node_modules.
#   /usr/bin/xmllint (Debian package libxml2-utils): validates the WSDL, its samples and
#     the relation files against their schemas;
#   zeep for /usr/bin/python3 (python3-zeep): the interop tests drive the provider with
#     an independent SOAP toolkit;
#   /usr/bin/go (golang-go) and govmomi's source (golang-github-vmware-govmomi-dev): the
#     vCenter tests build govmomi's vCenter simulator into a small program of ours;
#   /usr/bin/chromium (chromium): the management screens are tested in a real browser.
# When something is missing and we run as root with apt-get, it is installed (as .ci/run
# needs on a fresh machine); otherwise one line names what to install and we fail, so
# nobody has to read a Python traceback to learn it.
#
# VVOL_TEST_XMLLINT, VVOL_TEST_PYTHON, VVOL_TEST_GO, VVOL_TEST_CHROMIUM and
# VVOL_TEST_APT_GET replace the programs, VVOL_TEST_GOVMOMI govmomi's source folder and
# VVOL_TEST_UID the user id, for testing this script only (the tests themselves use the
# /usr paths).
set -uo pipefail

xmllint="${VVOL_TEST_XMLLINT:-/usr/bin/xmllint}"
python="${VVOL_TEST_PYTHON:-/usr/bin/python3}"
go="${VVOL_TEST_GO:-/usr/bin/go}"
govmomi="${VVOL_TEST_GOVMOMI:-/usr/share/gocode/src/github.com/vmware/govmomi/simulator}"
chromium="${VVOL_TEST_CHROMIUM:-/usr/bin/chromium}"
apt_get="${VVOL_TEST_APT_GET:-apt-get}"

# The Debian packages of what is missing, in a fixed order.
missing() {
  local need=()
  [ -x "$xmllint" ] || need+=(libxml2-utils)
  "$python" -c 'import zeep' >/dev/null 2>&1 || need+=(python3-zeep)
  [ -x "$go" ] || need+=(golang-go)
  [ -d "$govmomi" ] || need+=(golang-github-vmware-govmomi-dev)
  [ -x "$chromium" ] || need+=(chromium)
  echo "${need[*]:-}"
}

# What each package brings, for the message.
what() {
  local out="" p item
  for p in $1; do
    case "$p" in
      libxml2-utils) item="$xmllint" ;;
      python3-zeep) item="zeep for $python" ;;
      golang-go) item="$go" ;;
      golang-github-vmware-govmomi-dev) item="govmomi's source ($govmomi)" ;;
      chromium) item="$chromium" ;;
    esac
    out="${out:+$out, }$item"
  done
  echo "$out"
}

need="$(missing)"
[ -z "$need" ] && exit 0

if [ "${VVOL_TEST_UID:-$(id -u)}" = "0" ] && command -v "$apt_get" >/dev/null 2>&1; then
  echo "test-prerequisites: installing $need (apt-get)" >&2
  "$apt_get" update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive "$apt_get" install -y -qq --no-install-recommends $need >/dev/null
  need="$(missing)"
  [ -z "$need" ] && exit 0
fi

if command -v "$apt_get" >/dev/null 2>&1; then
  echo "npm test needs $(what "$need"): run 'sudo apt-get install $need', then npm test again." >&2
else
  echo "npm test needs $(what "$need") (Debian packages: $need): install them with your system's package manager, then run npm test again." >&2
fi
exit 1
