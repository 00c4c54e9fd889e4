#!/usr/bin/env bash
# The local image pipeline: the serving images built for real, offline, from the same Dockerfiles
# as production, pushed to the local cluster's registry and deployed by the digest it returns.
#
#   engine   start the Docker engine if it is not running (Debian docker.io; machine-wide, shared
#            by every local cluster on this machine, so `down` never stops it)
#   base     only the base image (debootstrap + docker import), cached
#   build    base image, wheelhouse, pause image, images/custom-server and images/staging;
#            push each to the registry on 127.0.0.1:LOCAL_REGISTRY_PORT and write
#            $STATE/images.json: { "<image>": { "reference": "<repo>@sha256:…", "bytes": N } }
#
# Nothing is pulled from outside: the base is a Debian root file system made by debootstrap from
# Debian's packages (cached in $CACHE/images, keyed by its package list) and imported with
# `docker import`; Python packages come from a wheelhouse made from this machine's own Python
# (scripts/local/wheelhouse.py) and from Debian packages. Production builds keep their defaults
# (python:3.12.12-slim-bookworm, PyPI); the local build only sets build arguments.
#
# Env: GPU_SERVING_CACHE, GPU_SERVING_LOCAL_DIR, LOCAL_REGISTRY_PORT (20205),
#      LOCAL_WHEELHOUSE_PORT (20207, only while building).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
# shellcheck source=local/lib.sh
source "$SCRIPT_DIR/local/lib.sh"
# shellcheck disable=SC2034 # read by lib.sh's log and die
LOG_TAG=local-images
CACHE="${GPU_SERVING_CACHE:-$HOME/.cache/gpu-serving-infra}"
STATE="${GPU_SERVING_LOCAL_DIR:-$CACHE/local}"
IMAGES_CACHE="$CACHE/images"
REGISTRY="127.0.0.1:${LOCAL_REGISTRY_PORT:-20205}"
WHEELHOUSE_PORT="${LOCAL_WHEELHOUSE_PORT:-20207}"
DOCKER_LOG=/var/log/gpu-serving-dockerd.log
export DOCKER_BUILDKIT=0 # the classic builder: BuildKit would fetch its Dockerfile frontend from Docker Hub

# The base: Debian's Python 3.11 with pip, and gunicorn from Debian (the one package of the images
# not installed in this machine's Python, so not in the wheelhouse). passwd: groupadd/useradd.
BASE_SUITE=bookworm
BASE_PACKAGES=python3,python3-pip,passwd,gunicorn

# ---- engine ---------------------------------------------------------------------------------------
cmd_engine() {
  ensure_packages docker.io
  if docker info >/dev/null 2>&1; then return 0; fi
  [ "$(id -u)" = 0 ] || die "the Docker engine is not running and only root can start it"
  if [ -f /var/run/docker.pid ] && [ -d "/proc/$(cat /var/run/docker.pid)" ]; then
    die "dockerd (pid $(cat /var/run/docker.pid)) runs but does not answer; see $DOCKER_LOG"
  fi
  # No bridge, no iptables: the engine only builds and pushes; build steps use the host network,
  # so nothing gets an address outside loopback and the host's firewall stays as it is. Started
  # without this cluster's state marker: the engine is machine-wide and outlives the cluster, so
  # the leftover sweeps of a later down or up must not take it for one of the cluster's processes.
  env -u GPU_SERVING_LOCAL_STATE setsid dockerd --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
    --ip-forward=false >>"$DOCKER_LOG" 2>&1 </dev/null &
  log "started dockerd (pid $!, machine-wide, log $DOCKER_LOG)"
  local _
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  die "dockerd did not answer within 60 s; see $DOCKER_LOG"
}

# ---- base image -----------------------------------------------------------------------------------
debian_mirror() { # the Debian mirror apt already uses on this machine
  local uri
  uri="$(grep -hs '^URIs:' /etc/apt/sources.list.d/debian.sources | awk '{print $2}' | grep -v security | head -1)"
  [ -n "$uri" ] || uri="$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -1)"
  [ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list(.d)"
  printf '%s\n' "$uri"
}

base_image() { # prints the tag of the local base image, building it once per package list
  local key tag tarball root
  key="$(printf '%s %s' "$BASE_SUITE" "$BASE_PACKAGES" | sha256sum | cut -c1-12)"
  tag="gpu-serving-local/debian-python:$BASE_SUITE-$key"
  tarball="$IMAGES_CACHE/debian-$BASE_SUITE-python-$key.tar"
  if docker image inspect "$tag" >/dev/null 2>&1; then
    printf '%s\n' "$tag"
    return 0
  fi
  if [ ! -f "$tarball" ]; then
    ensure_packages debootstrap
    root="$IMAGES_CACHE/work/rootfs-$key"
    rm -rf "$root" && mkdir -p "$root"
    log "debootstrap $BASE_SUITE ($BASE_PACKAGES) from $(debian_mirror); cached as $tarball"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" "$BASE_SUITE" "$root" "$(debian_mirror)" \
      >"$IMAGES_CACHE/debootstrap.log" 2>&1 || die "debootstrap failed; see $IMAGES_CACHE/debootstrap.log"
    # Like the python:*-slim images: the image's Python belongs to the application, so pip may
    # install into it (PEP 668's marker would refuse).
    rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    tar -C "$root" --numeric-owner -cf "$tarball.tmp" . && mv -f "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' "$tarball" "$tag" >/dev/null
  log "imported $tag from $tarball"
  printf '%s\n' "$tag"
}

# ---- wheelhouse -----------------------------------------------------------------------------------
wheelhouse() { # (re)makes $IMAGES_CACHE/wheelhouse from the images' requirements
  local dir="$IMAGES_CACHE/wheelhouse" reqs=("$REPO_DIR/images/custom-server/requirements-offline.txt"
    "$REPO_DIR/images/staging/requirements.txt")
  local key
  key="$(cat "${reqs[@]}" "$SCRIPT_DIR/local/wheelhouse.py" | sha256sum | cut -c1-16)"
  [ -f "$dir/.key" ] && [ "$(cat "$dir/.key")" = "$key" ] && return 0
  rm -rf "$dir" && mkdir -p "$dir"
  python3 "$SCRIPT_DIR/local/wheelhouse.py" --provided gunicorn "$dir" "${reqs[@]}" >"$dir/contents.txt" ||
    die "wheelhouse failed (see above)"
  printf '%s\n' "$key" >"$dir/.key"
  log "wheelhouse: $(wc -l <"$dir/contents.txt") wheels from $(python3 -c 'import sys; print(sys.executable)')"
}

WHEELHOUSE_PID=""
serve_wheelhouse() {
  claim_port "$WHEELHOUSE_PORT" LOCAL_WHEELHOUSE_PORT wheelhouse
  python3 -m http.server --bind 127.0.0.1 --directory "$IMAGES_CACHE/wheelhouse" "$WHEELHOUSE_PORT" \
    >"$IMAGES_CACHE/wheelhouse.log" 2>&1 &
  WHEELHOUSE_PID=$!
  local _
  for _ in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:$WHEELHOUSE_PORT/simple/" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "wheelhouse server did not start on 127.0.0.1:$WHEELHOUSE_PORT"
}
stop_wheelhouse() { [ -z "$WHEELHOUSE_PID" ] || kill "$WHEELHOUSE_PID" 2>/dev/null || true; }

# ---- build and push -------------------------------------------------------------------------------
push() { # push <local tag>: prints "<repo>@sha256:<digest> <bytes>" as the registry returned them
  local tag="$1" out digest
  out="$(docker push "$tag" 2>&1)" || { printf '%s\n' "$out" >&2; die "docker push $tag failed"; }
  digest="$(printf '%s\n' "$out" | sed -n 's/.*digest: \(sha256:[0-9a-f]\{64\}\) size: .*/\1/p' | tail -1)"
  [ -n "$digest" ] || { printf '%s\n' "$out" >&2; die "no digest in the output of docker push $tag"; }
  printf '%s@%s %s\n' "${tag%:*}" "$digest" "$(docker image inspect -f '{{.Size}}' "$tag")"
}

pause_image() {
  local work="$IMAGES_CACHE/work/pause" tag="$REGISTRY/gpu-serving/pause:local"
  mkdir -p "$work"
  if [ ! -x "$work/pause" ] || [ "$SCRIPT_DIR/local/pause.c" -nt "$work/pause" ]; then
    ensure_cmd gcc gcc
    gcc -static -O2 -s -o "$work/pause" "$SCRIPT_DIR/local/pause.c" || die "building pause failed"
  fi
  tar -C "$work" -cf "$work/pause.tar" pause
  docker import --change 'ENTRYPOINT ["/pause"]' --change 'USER 65535:65535' "$work/pause.tar" "$tag" >/dev/null
  printf '%s\n' "$tag"
}

build_image() { # build_image <context dir> <name> <base tag> [extra docker build args...]
  local context="$1" name="$2" base="$3" tag="$REGISTRY/gpu-serving/$2:local"
  shift 3
  log "building $name from $context (base $base)"
  docker build --network host -t "$tag" \
    --build-arg PYTHON_IMAGE="$base" \
    --build-arg PIP_INDEX_URL="http://127.0.0.1:$WHEELHOUSE_PORT/simple" \
    --build-arg PIP_TRUSTED_HOST=127.0.0.1 \
    "$@" "$context" >"$IMAGES_CACHE/build-$name.log" 2>&1 ||
    { tail -n 30 "$IMAGES_CACHE/build-$name.log" >&2; die "docker build $name failed; see $IMAGES_CACHE/build-$name.log"; }
  printf '%s\n' "$tag"
}

cmd_build() {
  local t0=$SECONDS base
  curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1 ||
    die "no registry at $REGISTRY: start the cluster first (scripts/local-cluster.sh up)"
  mkdir -p "$IMAGES_CACHE/work" "$STATE"
  cmd_engine
  base="$(base_image)"
  wheelhouse
  serve_wheelhouse
  trap stop_wheelhouse EXIT
  local custom staging pause
  custom="$(build_image "$REPO_DIR/images/custom-server" custom-server "$base" \
    --build-arg REQUIREMENTS=requirements-offline.txt)"
  staging="$(build_image "$REPO_DIR/images/staging" staging "$base")"
  stop_wheelhouse
  pause="$(pause_image)"
  local out="$STATE/images.json" name ref bytes first=1
  {
    printf '{'
    for name in custom-server staging pause; do
      case "$name" in custom-server) read -r ref bytes < <(push "$custom") ;;
        staging) read -r ref bytes < <(push "$staging") ;;
        pause) read -r ref bytes < <(push "$pause") ;;
      esac
      [ "$first" = 1 ] || printf ','
      first=0
      printf '\n  "%s": { "reference": "%s", "bytes": %s }' "$name" "$ref" "$bytes"
    done
    printf '\n}\n'
  } >"$out.tmp" && mv -f "$out.tmp" "$out"
  log "images pushed to $REGISTRY in $((SECONDS - t0))s: $out"
  cat "$out"
}

case "${1:-}" in
  engine) cmd_engine ;;
  base) cmd_engine && mkdir -p "$IMAGES_CACHE/work" && base_image ;;
  build) cmd_build ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
