#!/usr/bin/env bash
# Print the Python to build the virtualenv with: the newest supported one found on this machine
# (or, with "oldest", the oldest). Supported: 3.11 to 3.13. Looked for on PATH (python3.13 ...),
# then among pyenv's installed versions (a version pyenv has but does not activate).
set -euo pipefail
case "${1:-newest}" in
  newest) versions=(3.13 3.12 3.11) ;;
  oldest) versions=(3.11 3.12 3.13) ;;
  *) echo "usage: scripts/python.sh [newest|oldest]" >&2; exit 2 ;;
esac
usable() {  # runs, and can make a virtualenv with pip in it (Debian splits venv off)
  "$1" -c 'import venv, ensurepip' >/dev/null 2>&1
}
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
for v in "${versions[@]}"; do
  if found=$(command -v "python$v" 2>/dev/null) && usable "$found"; then
    echo "$found"
    exit 0
  fi
  for dir in $(ls -d "$pyenv_root/versions/$v".* 2>/dev/null | sort -V -r); do
    if [[ -x "$dir/bin/python$v" ]] && usable "$dir/bin/python$v"; then
      echo "$dir/bin/python$v"
      exit 0
    fi
  done
done
echo "no supported Python (3.11, 3.12 or 3.13, with venv and ensurepip) was found; install one, or name it: make PYTHON=/path/to/python3.x" >&2
exit 1
