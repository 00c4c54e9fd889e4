#!/usr/bin/env bash
# Builds the local tools of gpu-serving-infra from Go modules (nothing prebuilt is
# downloaded) into ${GPU_SERVING_CACHE:-$HOME/.cache/gpu-serving-infra}/bin:
#
#   kube-apiserver kube-controller-manager kube-scheduler kubectl etcd   (scripts/tools/k8s)
#   kubelet kube-proxy (the local cluster's real worker nodes)           (scripts/tools/k8s)
#   kwok (+ share/kwok/stages.yaml, its default node/pod stages)          (scripts/tools/kwok)
#   pulumi pulumi-resource-pulumi-nodejs                                  (scripts/tools/pulumi)
#   pulumi-language-nodejs                                                (scripts/tools/pulumi-language-nodejs)
#   pulumi-resource-kubernetes                                            (scripts/tools/pulumi-kubernetes)
#   pulumi-language-yaml                                                  (scripts/tools/pulumi-yaml)
#   karpenter-kwok (+ share/karpenter/crds, its CRDs)                     (scripts/tools/karpenter)
#
# Each wrapper module pins its versions in go.mod/go.sum (see scripts/tools/README.md).
# A binary is rebuilt only when its stamp file (bin/.stamps/<tool>) does not match
# the pinned version, the checksum of its wrapper module and the Go version.
# Builds run one after the other with -p 2 (the machines have 2 cores).
#
# Usage: scripts/build-tools.sh [--force] [tool ...]     (default: every tool)
#        scripts/build-tools.sh --list
#
# Env: GPU_SERVING_CACHE (cache root), GO (go binary), BUILD_TOOLS_P (default 2).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS_DIR="$SCRIPT_DIR/tools"
CACHE="${GPU_SERVING_CACHE:-$HOME/.cache/gpu-serving-infra}"
BIN="$CACHE/bin"
STAMPS="$BIN/.stamps"
WORK="$CACHE/work"
P="${BUILD_TOOLS_P:-2}"

# ---- pinned versions (must agree with the wrapper go.mod files) -------------
K8S_VERSION=v1.35.4     # k8s.io/kubernetes (staging modules replaced by their v0.35.4 twins)
ETCD_VERSION=v3.6.5     # go.etcd.io/etcd/server/v3 (the version k8s v1.35.4 requires)
KWOK_VERSION=v0.8.0     # sigs.k8s.io/kwok
PULUMI_VERSION=v3.248.0 # github.com/pulumi/pulumi/{pkg,sdk}/v3 (npm @pulumi/pulumi 3.248.0)
# The Node.js language host: its own module (sdk/nodejs/cmd/pulumi-language-nodejs/v3)
# is not served by the module proxy reachable here at any v3.248.0 pseudo-version;
# the newest host available is the one still inside the sdk/v3 module (<= v3.68.0).
LANGHOST_VERSION=v3.68.0
# pulumi-kubernetes: provider/v4 has no tags; the proxy here serves it only at this
# pseudo-version (master, 2026-01-15, the day before v4.25.0), not at v4.34.2.
PULUMI_K8S_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199
PULUMI_K8S_VERSION=4.25.0-dev.f47bc2d6f199 # plugin version it reports (semver)
# Pulumi YAML language host (runtime: yaml), for consumers of the component package in YAML
# (examples/yaml-consumer). The proxy here serves only some tags; v1.32.0 is the newest found.
PULUMI_YAML_VERSION=v1.32.0 # github.com/pulumi/pulumi-yaml
# Karpenter with its kwok cloud provider (local proof of the NodePools). v1.13.0 is the newest
# whose go line (1.26.4) this Go builds; v1.14+ need Go >= 1.26.9.
KARPENTER_VERSION=v1.13.0 # sigs.k8s.io/karpenter

ALL_TOOLS=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy etcd kwok
  pulumi pulumi-resource-pulumi-nodejs pulumi-language-nodejs pulumi-resource-kubernetes
  pulumi-language-yaml karpenter-kwok)

log() { printf '[build-tools] %s\n' "$*" >&2; }
die() { printf '[build-tools] ERROR: %s\n' "$*" >&2; exit 1; }

# ---- prerequisites -----------------------------------------------------------
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"
GO="${GO:-go}"
command -v "$GO" >/dev/null 2>&1 || die "go not found (expected Go >= 1.26 at /usr/local/go)"
export GOTOOLCHAIN=local   # never download a toolchain
export CGO_ENABLED=0       # static binaries, no C toolchain needed
export GOFLAGS="-mod=readonly -buildvcs=false"
GOVER="$("$GO" env GOVERSION)"
case "$GOVER" in
  go1.2[6-9]* | go1.[3-9][0-9]* | go[2-9]*) ;;
  *) die "Go >= 1.26 required (found $GOVER): kwok $KWOK_VERSION declares go 1.26" ;;
esac

ensure_cmd() { # ensure_cmd <command> <debian package>
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing $2 (apt-get) for $1"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"; } >&2 ||
      die "apt-get install $2 failed"
  else
    die "$1 not found: install the Debian package $2"
  fi
}
ensure_cmd sha256sum coreutils

# ---- helpers -----------------------------------------------------------------
check_pins() { # the versions above must be the ones the wrapper go.mod files require
  local bad=0 spec
  for spec in "k8s|k8s.io/kubernetes $K8S_VERSION" "k8s|go.etcd.io/etcd/server/v3 $ETCD_VERSION" \
    "kwok|sigs.k8s.io/kwok $KWOK_VERSION" "pulumi|github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION" \
    "pulumi|github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION" \
    "pulumi-language-nodejs|github.com/pulumi/pulumi/sdk/v3 $LANGHOST_VERSION" \
    "pulumi-kubernetes|github.com/pulumi/pulumi-kubernetes/provider/v4 $PULUMI_K8S_MODULE_VERSION" \
    "pulumi-yaml|github.com/pulumi/pulumi-yaml $PULUMI_YAML_VERSION" \
    "karpenter|sigs.k8s.io/karpenter $KARPENTER_VERSION"; do
    grep -qE "^[[:space:]]*(require[[:space:]]+)?${spec#*|}( |\$)" "$TOOLS_DIR/${spec%%|*}/go.mod" ||
      { log "scripts/tools/${spec%%|*}/go.mod does not require ${spec#*|}"; bad=1; }
  done
  [ "$bad" = 0 ] || die "pinned versions in scripts/build-tools.sh and scripts/tools/*/go.mod disagree"
}
check_pins

wrapper_sum() { # checksum of a wrapper module's pinned files (+ this script's tool recipe version)
  (cd "$TOOLS_DIR/$1" && find . -type f ! -name '*.md' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
    sha256sum | cut -c1-16
}

tool_info() { # sets WRAPPER VERSION for a tool name
  case "$1" in
    kube-apiserver | kube-controller-manager | kube-scheduler | kubectl | kubelet | kube-proxy)
      WRAPPER=k8s VERSION=$K8S_VERSION ;;
    etcd) WRAPPER=k8s VERSION=$ETCD_VERSION ;;
    kwok) WRAPPER=kwok VERSION=$KWOK_VERSION ;;
    pulumi | pulumi-resource-pulumi-nodejs) WRAPPER=pulumi VERSION=$PULUMI_VERSION ;;
    pulumi-language-nodejs) WRAPPER=pulumi-language-nodejs VERSION=$LANGHOST_VERSION ;;
    pulumi-resource-kubernetes) WRAPPER=pulumi-kubernetes VERSION=$PULUMI_K8S_VERSION ;;
    pulumi-language-yaml) WRAPPER=pulumi-yaml VERSION=$PULUMI_YAML_VERSION ;;
    karpenter-kwok) WRAPPER=karpenter VERSION=$KARPENTER_VERSION ;;
    *) die "unknown tool '$1' (known: ${ALL_TOOLS[*]})" ;;
  esac
}

stamp_of() { tool_info "$1"; printf 'tool=%s version=%s wrapper=%s go=%s\n' "$1" "$VERSION" "$(wrapper_sum "$WRAPPER")" "$GOVER"; }

is_current() {
  [ -x "$BIN/$1" ] && [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$(stamp_of "$1")" ] || return 1
  [ "$1" != kwok ] || [ -f "$CACHE/share/kwok/stages.yaml" ]
  [ "$1" != karpenter-kwok ] || [ -f "$KARPENTER_CRDS/karpenter.sh_nodepools.yaml" ]
}

gobuild() { # gobuild <wrapper dir> <out> <package> [ldflags]
  local dir="$1" out="$2" pkg="$3" ld="${4:-}"
  (cd "$dir" && "$GO" build -p "$P" -trimpath -ldflags "-s -w $ld" -o "$out.tmp" "$pkg") || return 1
  mv -f "$out.tmp" "$out"
}

moddir() { # moddir <wrapper> <module path>: directory of a dependency in the module cache
  # `go list -m -f {{.Dir}}` prints an empty line until the module is in the module cache
  # (a fresh machine), so download it first: `go mod download -json` fetches the version the
  # wrapper's build list selects and prints its Dir.
  local dir
  dir="$(cd "$TOOLS_DIR/$1" && "$GO" mod download -json "$2" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')" || return 1
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    log "no module directory for $2 (wrapper $1)"
    return 1
  fi
  printf '%s\n' "$dir"
}

k8s_ldflags() {
  local v="${K8S_VERSION#v}" major minor
  major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
  local pkg out=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    out+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    out+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  printf '%s' "$out"
}

PULUMI_LDFLAGS="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"

build_one() {
  local t="$1" out="$BIN/$1"
  case "$t" in
    kube-apiserver | kube-controller-manager | kube-scheduler | kubectl | kubelet | kube-proxy)
      gobuild "$TOOLS_DIR/k8s" "$out" "k8s.io/kubernetes/cmd/$t" "$(k8s_ldflags)" ;;
    etcd)
      gobuild "$TOOLS_DIR/k8s" "$out" go.etcd.io/etcd/server/v3 ;;
    kwok)
      gobuild "$TOOLS_DIR/kwok" "$out" sigs.k8s.io/kwok/cmd/kwok \
        "-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" && kwok_stages ;;
    pulumi)
      gobuild "$TOOLS_DIR/pulumi" "$out" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$PULUMI_LDFLAGS" ;;
    pulumi-language-nodejs)
      gobuild "$TOOLS_DIR/pulumi-language-nodejs" "$out" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
        "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LANGHOST_VERSION" ;;
    pulumi-resource-pulumi-nodejs)
      # Shell script shipped in the sdk/v3 module (the module cache drops exec bits).
      local sdk
      sdk="$(moddir pulumi github.com/pulumi/pulumi/sdk/v3)" || return 1
      install -m 0755 "$sdk/nodejs/dist/pulumi-resource-pulumi-nodejs" "$out" ;;
    pulumi-resource-kubernetes)
      build_pulumi_kubernetes "$out" ;;
    pulumi-language-yaml)
      gobuild "$TOOLS_DIR/pulumi-yaml" "$out" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml \
        "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$PULUMI_YAML_VERSION" ;;
    karpenter-kwok)
      gobuild "$TOOLS_DIR/karpenter" "$out" sigs.k8s.io/karpenter/kwok \
        "-X sigs.k8s.io/karpenter/pkg/operator.Version=$KARPENTER_VERSION" && karpenter_crds ;;
  esac
}

KWOK_STAGES="$CACHE/share/kwok/stages.yaml"
kwok_stages() {
  # The kwok controller (unlike kwokctl) has no built-in stages: collect kwok's
  # default "fast" node/pod stages from its module into a --config file for
  # scripts/local-cluster.sh (node-initialize, heartbeat-with-lease, pod ready/complete/delete).
  local src f
  src="$(moddir kwok sigs.k8s.io/kwok)/kustomize/stage" || return 1
  mkdir -p "$(dirname "$KWOK_STAGES")"
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    [ -f "$src/$f" ] || { log "kwok stage $f not found in $src"; return 1; }
    printf -- '---\n'
    cat "$src/$f"
  done >"$KWOK_STAGES.tmp" && mv -f "$KWOK_STAGES.tmp" "$KWOK_STAGES"
}

KARPENTER_CRDS="$CACHE/share/karpenter/crds"
karpenter_crds() {
  # The CRDs ship in the module, not in the binary: NodePool, NodeClaim and NodeOverlay
  # (kwok/charts/crds) and the kwok provider's KWOKNodeClass (kwok/apis/crds).
  local src
  src="$(moddir karpenter sigs.k8s.io/karpenter)" || return 1
  rm -rf "$KARPENTER_CRDS.tmp" && mkdir -p "$KARPENTER_CRDS.tmp" || return 1
  cp "$src"/kwok/charts/crds/*.yaml "$src"/kwok/apis/crds/*.yaml "$KARPENTER_CRDS.tmp/" || return 1
  chmod -R u+w "$KARPENTER_CRDS.tmp" && rm -rf "$KARPENTER_CRDS" && mv "$KARPENTER_CRDS.tmp" "$KARPENTER_CRDS"
}

build_pulumi_kubernetes() {
  # cmd/pulumi-resource-kubernetes/main.go embeds schema-embed.json and
  # terraform-mapping-embed.json, git-ignored upstream and generated by the cmd's
  # generate.go from the committed schema.json. Build in a scratch copy of the
  # wrapper module under the cache: copy the cmd folder from the provider module
  # there, generate the embedded files with VERSION set, then build.
  local out="$1" src="$WORK/pulumi-kubernetes" prov
  prov="$(moddir pulumi-kubernetes github.com/pulumi/pulumi-kubernetes/provider/v4)" || return 1
  rm -rf "$src" && mkdir -p "$src/cmd" || return 1
  cp "$TOOLS_DIR/pulumi-kubernetes/go.mod" "$TOOLS_DIR/pulumi-kubernetes/go.sum" \
    "$TOOLS_DIR/pulumi-kubernetes/deps.go" "$src/" || return 1
  cp -r "$prov/cmd/pulumi-resource-kubernetes" "$src/cmd/" && chmod -R u+w "$src" || return 1
  (cd "$src/cmd/pulumi-resource-kubernetes" && VERSION="$PULUMI_K8S_VERSION" "$GO" run ./generate.go) ||
    { log "schema-embed.json generation failed"; return 1; }
  gobuild "$src" "$out" ./cmd/pulumi-resource-kubernetes \
    "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_K8S_VERSION" || return 1
  rm -rf "$src"
}

# ---- main --------------------------------------------------------------------
FORCE=0
TOOLS=()
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    --list) printf '%s\n' "${ALL_TOOLS[@]}"; exit 0 ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) tool_info "$a"; TOOLS+=("$a") ;;
  esac
done
[ ${#TOOLS[@]} -gt 0 ] || TOOLS=("${ALL_TOOLS[@]}")

mkdir -p "$BIN" "$STAMPS"
# One build at a time per cache (several sessions may share it).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.build-tools.lock"
  flock -n 9 || { log "another build-tools.sh holds $CACHE/.build-tools.lock; waiting"; flock 9; }
fi
log "cache: $BIN ($GOVER, -p $P)"
T0=$SECONDS
built=0 skipped=0
for t in "${TOOLS[@]}"; do
  if [ "$FORCE" = 0 ] && is_current "$t"; then
    log "$t: up to date ($(cut -d' ' -f2 "$STAMPS/$t"))"
    skipped=$((skipped + 1))
    continue
  fi
  tool_info "$t"
  log "$t: building $VERSION from scripts/tools/$WRAPPER ..."
  t1=$SECONDS
  rm -f "$STAMPS/$t"
  if ! build_one "$t"; then
    rm -f "$BIN/$t.tmp"
    die "$t ($VERSION) failed to build after $((SECONDS - t1))s; see the go output above"
  fi
  stamp_of "$t" >"$STAMPS/$t"
  log "$t: built in $((SECONDS - t1))s ($(du -h "$BIN/$t" | cut -f1))"
  built=$((built + 1))
done
log "done: $built built, $skipped up to date, total $((SECONDS - T0))s; add to PATH: export PATH=\"$BIN:\$PATH\""
