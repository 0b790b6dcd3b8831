#!/usr/bin/env bash
# What the language tests (test/lang/) need on a fresh machine: python3 with venv and pip.
# The tests build everything else themselves (pacmak, a venv under .lang-cache/ from PyPI).
set -euo pipefail
if python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then exit 0; fi
SUDO=""; if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
