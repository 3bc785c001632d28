# Sourced by scripts/setup and scripts/test_minimum: pick the interpreter.
#
# It comes from $PYTHON, else python3.14 or python3 on PATH; Home Assistant
# 2026.x refuses anything older than 3.14.2. Sets $python, or exits with a
# message naming the requirement. $1: the calling script's name.

is_supported() {  # $1: an interpreter; true when it is CPython >= 3.14.2
  "$1" -c 'import sys; sys.exit(sys.version_info < (3, 14, 2))' >/dev/null 2>&1
}

python=""
for candidate in "${PYTHON:-}" python3.14 python3; do
  [ -n "$candidate" ] || continue
  if path=$(command -v "$candidate" 2>/dev/null) && is_supported "$path"; then
    python=$path
    break
  fi
done
if [ -z "$python" ]; then
  echo "$1: Home Assistant 2026.x needs Python >= 3.14.2." >&2
  echo "Set PYTHON to such an interpreter or put python3.14 on PATH." >&2
  [ -z "${PYTHON:-}" ] || echo "PYTHON=$PYTHON is not one: $("$PYTHON" --version 2>&1 || true)" >&2
  exit 1
fi
echo "$1: using $python ($("$python" --version))"
