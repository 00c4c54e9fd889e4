#!/usr/bin/env bash
# Lints the GitHub Actions workflows (.github/workflows/*.yml) with actionlint.
#
# actionlint is built from its Go module (nothing prebuilt is downloaded) into
# ${GPU_SERVING_CACHE:-$HOME/.cache/gpu-serving-infra}/bin, next to the other local tools
# (scripts/build-tools.sh), and rebuilt only when the pinned version or the Go toolchain changes.
# `run:` scripts are also checked with shellcheck (installed from Debian's package when missing and
# running as root) and pyflakes when it is on PATH. Then the repository's own shell scripts
# (every tracked *.sh and .ci/run) go through shellcheck too.
#
# Usage: scripts/lint-workflows.sh [workflow.yml ...]     (default: .github/workflows/*.yml)
# Env:   GPU_SERVING_CACHE (cache root), GO (go binary).
# Exit:  0 clean, 1 findings, 2 actionlint could not be built or run.
set -euo pipefail

# v1.7.12 declares `go 1.25.0`, so it builds with the local Go 1.26 toolchain (GOTOOLCHAIN=local:
# a newer `go` directive would make `go install` fail instead of downloading a toolchain).
ACTIONLINT_VERSION=v1.7.12

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${GPU_SERVING_CACHE:-$HOME/.cache/gpu-serving-infra}/bin"
STAMP="$BIN/.stamps/actionlint"
ACTIONLINT="$BIN/actionlint"

log() { printf '[lint-workflows] %s\n' "$*" >&2; }
die() { printf '[lint-workflows] ERROR: %s\n' "$*" >&2; exit 2; }

export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"
GO="${GO:-go}"

stamp() { printf 'actionlint %s %s\n' "$ACTIONLINT_VERSION" "$("$GO" env GOVERSION)"; }

build_actionlint() {
  command -v "$GO" >/dev/null 2>&1 || die "go not found (expected Go >= 1.25 at /usr/local/go)"
  mkdir -p "$BIN/.stamps"
  log "building actionlint $ACTIONLINT_VERSION into $BIN ..."
  local t0=$SECONDS
  GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$BIN" \
    "$GO" install -trimpath -ldflags "-s -w" "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" ||
    die "actionlint $ACTIONLINT_VERSION failed to build after $((SECONDS - t0))s; see the go output above"
  stamp >"$STAMP"
  log "actionlint $ACTIONLINT_VERSION built in $((SECONDS - t0))s"
}

if [ -x "$ACTIONLINT" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(stamp)" ]; then
  log "reusing $ACTIONLINT ($ACTIONLINT_VERSION)"
else
  build_actionlint
fi

cd "$ROOT"
if [ $# -gt 0 ]; then
  FILES=("$@")
else
  shopt -s nullglob
  FILES=(.github/workflows/*.yml .github/workflows/*.yaml)
  shopt -u nullglob
fi
[ ${#FILES[@]} -gt 0 ] || die "no workflow files under .github/workflows"

# Debian's shellcheck 0.9: what the workflows' run: scripts and the repository's scripts are held to.
if ! command -v shellcheck >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  log "installing shellcheck (apt-get)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck; } >&2 ||
    log "apt-get install shellcheck failed"
fi

# An empty -shellcheck= / -pyflakes= turns that integration off; without it actionlint would
# silently skip the check anyway, so say so instead.
ARGS=(-no-color)
if command -v shellcheck >/dev/null 2>&1; then
  ARGS+=(-shellcheck="$(command -v shellcheck)")
else
  log "shellcheck not on PATH: run: scripts are not shellchecked"
  ARGS+=(-shellcheck=)
fi
if command -v pyflakes >/dev/null 2>&1; then
  ARGS+=(-pyflakes="$(command -v pyflakes)")
else
  ARGS+=(-pyflakes=)
fi

log "actionlint ${FILES[*]}"
status=0
"$ACTIONLINT" "${ARGS[@]}" "${FILES[@]}" || status=$?
case "$status" in
  0) log "clean: ${#FILES[@]} workflow file(s)" ;;
  1) log "findings above"; exit 1 ;;
  *) die "actionlint failed (exit $status)" ;;
esac

# The scripts local:up, e2e and CI run. SCRIPTDIR resolves each `# shellcheck source=` from the
# sourcing script's folder. Only when no files were named (a run over the workflows alone).
if [ $# -eq 0 ]; then
  if command -v shellcheck >/dev/null 2>&1; then
    mapfile -t SCRIPTS < <(git ls-files '*.sh' .ci/run)
    shellcheck -x -P SCRIPTDIR "${SCRIPTS[@]}" || { log "shellcheck findings above"; exit 1; }
    log "clean: ${#SCRIPTS[@]} shell script(s) (shellcheck $(shellcheck --version | sed -n 's/^version: //p'))"
  else
    log "shellcheck not on PATH: shell scripts are not checked"
  fi
fi
