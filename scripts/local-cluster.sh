#!/usr/bin/env bash
# Local Kubernetes cluster for gpu-serving-infra: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and the kwok controller run as plain
# processes bound to 127.0.0.1 (binaries from scripts/build-tools.sh), beside an
# image registry (Debian docker-registry) and an S3 API (moto_server) on 127.0.0.1.
# kwok fakes the GPU nodes of scripts/local/nodes.yaml and moves the pods bound to
# them to Running; scripts/local-node.sh adds two real nodes (kubelet + containerd)
# where the system pods and the "real" GPU group's pods run as containers.
# Karpenter with its kwok cloud provider (karpenter-kwok) runs out of cluster too:
# it "launches" nodes for the local stack's NodePools from the priced GPU types of
# scripts/local/karpenter-instance-types.ts, and kwok makes them Ready. kwok manages
# only nodes annotated kwok.x-k8s.io/node=fake (its own and Karpenter's), never the
# real nodes, whose kubelets report their own status.
#
# Usage: scripts/local-cluster.sh up|down|status|env
#   up      generate certs/keys + kubeconfig in the state dir, start everything,
#           wait for the API, register the nodes and wait until they are Ready
#   down    stop every process started by `up` (by recorded pid) and remove the state dir
#   status  show the processes and `kubectl get nodes`
#   env     print `export KUBECONFIG=...; export PATH=...` for eval
#
# A run that was killed leaves processes behind: `up` and `down` find those of this
# cluster (recorded pids, or processes started with this state dir in their environment)
# and stop them, saying so; a port held by anything else stops `up` with its holder named.
#
# Env: GPU_SERVING_LOCAL_DIR (state dir, default ~/.cache/gpu-serving-infra/local),
#      GPU_SERVING_CACHE (tool cache, default ~/.cache/gpu-serving-infra),
#      LOCAL_ETCD_PORT (12379), LOCAL_ETCD_PEER_PORT (12380), LOCAL_APISERVER_PORT (16443),
#      LOCAL_KCM_PORT (20257), LOCAL_SCHEDULER_PORT (20259), LOCAL_KWOK_PORT (20247),
#      LOCAL_REGISTRY_PORT (20205), LOCAL_MOTO_PORT (20206), and local-node.sh's,
#      LOCAL_KARPENTER_METRICS_PORT (20261), LOCAL_KARPENTER_HEALTH_PORT (20262),
#      LOCAL_KARPENTER_NODE_CLASS (KWOKNodeClass the local NodePools use, default "local"),
#      LOCAL_KARPENTER_REGISTRATION_DELAY (simulated instance boot, default 5s),
#      LOCAL_CLUSTER_TIMEOUT (seconds to wait for API/nodes, default 120).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=local/lib.sh
source "$SCRIPT_DIR/local/lib.sh"
# shellcheck disable=SC2034 # read by lib.sh's log and die
LOG_TAG=local-cluster
CACHE="${GPU_SERVING_CACHE:-$HOME/.cache/gpu-serving-infra}"
BIN="$CACHE/bin"
STATE="${GPU_SERVING_LOCAL_DIR:-$CACHE/local}"
PKI="$STATE/pki"
LOGS="$STATE/logs"
PIDS="$STATE/pids"
KUBECONFIG_FILE="$STATE/kubeconfig"
NODES_YAML="$SCRIPT_DIR/local/nodes.yaml"
KWOK_STAGES="$CACHE/share/kwok/stages.yaml"
KARPENTER_CRDS="$CACHE/share/karpenter/crds"
INSTANCE_TYPES_FILE="$STATE/karpenter-instance-types.json"

HOST=127.0.0.1
ETCD_PORT="${LOCAL_ETCD_PORT:-12379}"
ETCD_PEER_PORT="${LOCAL_ETCD_PEER_PORT:-12380}"
APISERVER_PORT="${LOCAL_APISERVER_PORT:-16443}"
KCM_PORT="${LOCAL_KCM_PORT:-20257}"
SCHEDULER_PORT="${LOCAL_SCHEDULER_PORT:-20259}"
KWOK_PORT="${LOCAL_KWOK_PORT:-20247}"
REGISTRY_PORT="${LOCAL_REGISTRY_PORT:-20205}"
MOTO_PORT="${LOCAL_MOTO_PORT:-20206}"
KARPENTER_METRICS_PORT="${LOCAL_KARPENTER_METRICS_PORT:-20261}"
KARPENTER_HEALTH_PORT="${LOCAL_KARPENTER_HEALTH_PORT:-20262}"
KARPENTER_NODE_CLASS="${LOCAL_KARPENTER_NODE_CLASS:-local}"
KARPENTER_REGISTRATION_DELAY="${LOCAL_KARPENTER_REGISTRATION_DELAY:-5s}"
TIMEOUT="${LOCAL_CLUSTER_TIMEOUT:-120}"
SERVICE_CIDR=10.96.0.0/16 # virtual ClusterIPs: allocated in objects, never routed (no kube-proxy)
POD_CIDR=10.244.0.0/16    # fake pod IPs written by kwok into pod status, never routed

CORE_COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok registry s3)
COMPONENTS=("${CORE_COMPONENTS[@]}" karpenter-kwok)
# component|port variable|port (each component's listening ports, checked before it starts)
PORTS=("etcd|LOCAL_ETCD_PORT|$ETCD_PORT" "etcd|LOCAL_ETCD_PEER_PORT|$ETCD_PEER_PORT"
  "kube-apiserver|LOCAL_APISERVER_PORT|$APISERVER_PORT" "kube-controller-manager|LOCAL_KCM_PORT|$KCM_PORT"
  "kube-scheduler|LOCAL_SCHEDULER_PORT|$SCHEDULER_PORT" "kwok|LOCAL_KWOK_PORT|$KWOK_PORT"
  "registry|LOCAL_REGISTRY_PORT|$REGISTRY_PORT" "s3|LOCAL_MOTO_PORT|$MOTO_PORT"
  "karpenter-kwok|LOCAL_KARPENTER_METRICS_PORT|$KARPENTER_METRICS_PORT"
  "karpenter-kwok|LOCAL_KARPENTER_HEALTH_PORT|$KARPENTER_HEALTH_PORT")

kubectl_() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# ---- processes ---------------------------------------------------------------
start() { # start <component> <args...>: a tool from $BIN, after its ports were claimed
  local name="$1" spec
  shift
  for spec in "${PORTS[@]}"; do
    IFS='|' read -r c var port <<<"$spec"
    [ "$c" = "$name" ] && claim_port "$port" "$var" "$name"
  done
  start_process "$name" "$BIN/$name" "$@"
}

start_exe() { # start_exe <component> <executable> <args...>: a program from a Debian package
  local name="$1" spec
  for spec in "${PORTS[@]}"; do
    IFS='|' read -r c var port <<<"$spec"
    [ "$c" = "$name" ] && claim_port "$port" "$var" "$name"
  done
  shift
  start_process "$name" "$@"
}

stop() { stop_process "$1"; }

wait_for() { # wait_for <description> <command...>
  local what="$1" _
  shift
  log "waiting for $what (up to ${TIMEOUT}s)"
  for _ in $(seq 1 "$TIMEOUT"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  return 1
}

print_env() { # the lines a shell evals to use the cluster
  # $PATH stays literal: the shell that evals these lines expands it.
  # shellcheck disable=SC2016
  printf 'export KUBECONFIG=%q\nexport PATH=%q:"$PATH"\n' "$KUBECONFIG_FILE" "$BIN"
}

check_alive() { # fail fast if a component died
  local c
  for c in "$@"; do
    is_running "$c" || { tail -n 30 "$LOGS/$c.log" >&2 || true; die "$c exited; see $LOGS/$c.log"; }
  done
}

# ---- certificates --------------------------------------------------------------
gen_pki() {
  [ -f "$PKI/front-proxy-client.crt" ] && return 0
  ensure_cmd openssl openssl
  mkdir -p "$PKI"
  (
    cd "$PKI"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
      -keyout ca.key -out ca.crt -subj "/CN=gpu-serving-local-ca" 2>/dev/null
    # separate CA for the aggregation layer (requestheader / front proxy)
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
      -keyout front-proxy-ca.key -out front-proxy-ca.crt -subj "/CN=gpu-serving-local-front-proxy-ca" 2>/dev/null
    cat >apiserver.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
    cat >client.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
EOF
    # name subject extfile ca
    for spec in "apiserver|/CN=kube-apiserver|apiserver.ext|ca" \
      "admin|/O=system:masters/CN=kubernetes-admin|client.ext|ca" \
      "front-proxy-client|/CN=front-proxy-client|client.ext|front-proxy-ca"; do
      IFS='|' read -r name subj ext ca <<<"$spec"
      openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "$subj" 2>/dev/null
      openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial \
        -days 3650 -sha256 -extfile "$ext" -out "$name.crt" 2>/dev/null
      rm -f "$name.csr"
    done
    # service-account token signing key pair
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  ) || die "certificate generation failed"
  log "generated CA, apiserver/admin certificates and service-account keys in $PKI"
}

write_kubeconfig() {
  local kc="$KUBECONFIG_FILE.tmp"
  rm -f "$kc"
  "$BIN/kubectl" --kubeconfig "$kc" config set-cluster gpu-serving-local \
    --server "https://$HOST:$APISERVER_PORT" --certificate-authority "$PKI/ca.crt" --embed-certs >/dev/null
  "$BIN/kubectl" --kubeconfig "$kc" config set-credentials gpu-serving-local-admin \
    --client-certificate "$PKI/admin.crt" --client-key "$PKI/admin.key" --embed-certs >/dev/null
  "$BIN/kubectl" --kubeconfig "$kc" config set-context gpu-serving-local \
    --cluster gpu-serving-local --user gpu-serving-local-admin >/dev/null
  "$BIN/kubectl" --kubeconfig "$kc" config use-context gpu-serving-local >/dev/null
  chmod 600 "$kc"
  mv -f "$kc" "$KUBECONFIG_FILE"
}

write_service_configs() {
  cat >"$STATE/registry.yaml" <<EOF
version: 0.1
log: { level: warn, accesslog: { disabled: true } }
storage:
  filesystem: { rootdirectory: $CACHE/registry }
  delete: { enabled: true }
http: { addr: "$HOST:$REGISTRY_PORT" }
EOF
  # The apiserver reaches kubelets (logs, exec) and pods through an HTTP CONNECT proxy on a unix
  # socket inside the real nodes' network namespace (scripts/local-node.sh), never by routing.
  cat >"$STATE/egress-selector.yaml" <<EOF
apiVersion: apiserver.k8s.io/v1beta1
kind: EgressSelectorConfiguration
egressSelections:
  - name: cluster
    connection:
      proxyProtocol: HTTPConnect
      transport: { uds: { udsName: $STATE/run/egress.sock } }
EOF
}

# ---- commands ------------------------------------------------------------------
cmd_up() {
  local t0=$SECONDS c
  trap 'log "up failed: logs are in $LOGS; run scripts/local-cluster.sh down to stop what was started"' ERR
  for c in etcd kube-apiserver kube-controller-manager kube-scheduler kwok karpenter-kwok kubectl \
    kubelet kube-proxy; do
    [ -x "$BIN/$c" ] || die "$BIN/$c missing: run scripts/build-tools.sh first"
  done
  [ -f "$KWOK_STAGES" ] || die "$KWOK_STAGES missing: run scripts/build-tools.sh kwok"
  [ -d "$KARPENTER_CRDS" ] || die "$KARPENTER_CRDS missing: run scripts/build-tools.sh karpenter-kwok"
  ensure_cmd setsid util-linux
  ensure_cmd curl curl
  ensure_packages docker-registry
  mkdir -p "$STATE" "$LOGS" "$PIDS" "$STATE/etcd" "$STATE/run"
  sweep_leftovers
  gen_pki
  write_kubeconfig
  write_service_configs

  start etcd \
    --name=local --data-dir="$STATE/etcd" \
    --listen-client-urls="http://$HOST:$ETCD_PORT" --advertise-client-urls="http://$HOST:$ETCD_PORT" \
    --listen-peer-urls="http://$HOST:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://$HOST:$ETCD_PEER_PORT" \
    --initial-cluster="local=http://$HOST:$ETCD_PEER_PORT" \
    --auto-compaction-retention=1 --quota-backend-bytes=4294967296 \
    --log-level=warn
  wait_for "etcd" curl -fsS "http://$HOST:$ETCD_PORT/health" ||
    { check_alive etcd; die "etcd not healthy after ${TIMEOUT}s"; }
  log "etcd healthy"

  start kube-apiserver \
    --etcd-servers="http://$HOST:$ETCD_PORT" \
    --bind-address=$HOST --secure-port="$APISERVER_PORT" --advertise-address=$HOST \
    --endpoint-reconciler-type=none \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
    --enable-priority-and-fairness=false \
    --kubelet-client-certificate="$PKI/admin.crt" --kubelet-client-key="$PKI/admin.key" \
    --kubelet-preferred-address-types=InternalIP \
    --egress-selector-config-file="$STATE/egress-selector.yaml" \
    --profiling=false
  wait_for "kube-apiserver" kubectl_ get --raw /readyz ||
    { check_alive etcd kube-apiserver; die "kube-apiserver not ready after ${TIMEOUT}s"; }
  log "kube-apiserver ready at https://$HOST:$APISERVER_PORT"

  start kube-controller-manager \
    --kubeconfig="$KUBECONFIG_FILE" --authentication-kubeconfig="$KUBECONFIG_FILE" \
    --authorization-kubeconfig="$KUBECONFIG_FILE" \
    --bind-address=$HOST --secure-port="$KCM_PORT" --leader-elect=false \
    --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
    --use-service-account-credentials=false --service-cluster-ip-range="$SERVICE_CIDR" \
    --profiling=false
  start kube-scheduler \
    --kubeconfig="$KUBECONFIG_FILE" --authentication-kubeconfig="$KUBECONFIG_FILE" \
    --authorization-kubeconfig="$KUBECONFIG_FILE" \
    --bind-address=$HOST --secure-port="$SCHEDULER_PORT" --leader-elect=false \
    --profiling=false
  start kwok \
    --kubeconfig="$KUBECONFIG_FILE" --config="$KWOK_STAGES" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-ip=$HOST --node-lease-duration-seconds=40 --cidr="$POD_CIDR" \
    --server-address="$HOST:$KWOK_PORT"

  start_exe registry /usr/bin/docker-registry serve "$STATE/registry.yaml"
  start_exe s3 "$(python_bin)" -m moto.server -H "$HOST" -p "$MOTO_PORT"

  sleep 2
  check_alive "${CORE_COMPONENTS[@]}"
  kubectl_ apply -f "$NODES_YAML" >/dev/null || die "kubectl apply $NODES_YAML failed"
  log "registered the simulated nodes from scripts/local/nodes.yaml"
  wait_for "registry" curl -fsS "http://$HOST:$REGISTRY_PORT/v2/" ||
    die "registry not answering on $HOST:$REGISTRY_PORT (see $LOGS/registry.log)"
  wait_for "S3 API" curl -fsS "http://$HOST:$MOTO_PORT/moto-api/" ||
    die "moto_server not answering on $HOST:$MOTO_PORT (see $LOGS/s3.log)"
  bash "$SCRIPT_DIR/local-node.sh" up
  if ! kubectl_ wait --for=condition=Ready node --all --timeout="${TIMEOUT}s" >/dev/null; then
    check_alive "${CORE_COMPONENTS[@]}"
    kubectl_ get nodes -o wide >&2 || true
    die "nodes not Ready after ${TIMEOUT}s (see $LOGS/kwok.log and $LOGS/kubelet-*.log)"
  fi
  # The default service account is what pods need before they can be created.
  wait_for "default service account" kubectl_ get serviceaccount default -n default ||
    die "default service account not created (see $LOGS/kube-controller-manager.log)"
  start_karpenter
  check_alive "${COMPONENTS[@]}"
  kubectl_ get nodes -L gpu-serving.io/node-role,topology.kubernetes.io/zone
  log "cluster up in $((SECONDS - t0))s"
  print_env
}

start_karpenter() {
  # CRDs first: Karpenter's readiness check waits for NodePool and NodeClaim to be served.
  kubectl_ apply --server-side --force-conflicts -f "$KARPENTER_CRDS" >/dev/null ||
    die "applying the Karpenter CRDs from $KARPENTER_CRDS failed"
  kubectl_ wait --for=condition=Established crd --all --timeout="${TIMEOUT}s" >/dev/null ||
    die "Karpenter CRDs not established"
  # The node class every local NodePool names; the delay stands in for an instance's boot.
  kubectl_ apply -f - >/dev/null <<EOF || die "creating KWOKNodeClass $KARPENTER_NODE_CLASS failed"
apiVersion: karpenter.kwok.sh/v1alpha1
kind: KWOKNodeClass
metadata:
  name: $KARPENTER_NODE_CLASS
spec:
  nodeRegistrationDelay: $KARPENTER_REGISTRATION_DELAY
EOF
  (cd "$SCRIPT_DIR/.." && node_modules/.bin/ts-node --transpile-only \
    scripts/local/karpenter-instance-types.ts "$INSTANCE_TYPES_FILE") ||
    die "generating $INSTANCE_TYPES_FILE failed"
  # Out of cluster: the kubeconfig from the environment, the leader lease in kube-system (there
  # is no pod namespace to default to). Its metrics and health ports listen on every interface
  # (the binary takes ports only); nothing outside the machine is expected to call them.
  KUBECONFIG="$KUBECONFIG_FILE" start karpenter-kwok \
    --instance-types-file-path="$INSTANCE_TYPES_FILE" \
    --leader-election-namespace=kube-system \
    --metrics-port="$KARPENTER_METRICS_PORT" --health-probe-port="$KARPENTER_HEALTH_PORT" \
    --log-level=info
  wait_for "karpenter" curl -fsS "http://$HOST:$KARPENTER_HEALTH_PORT/readyz" ||
    { check_alive karpenter-kwok; die "karpenter-kwok not ready after ${TIMEOUT}s (see $LOGS/karpenter-kwok.log)"; }
  log "karpenter-kwok ready (node class KWOKNodeClass/$KARPENTER_NODE_CLASS)"
}

cmd_down() {
  local i c
  if [ -d "$STATE" ]; then bash "$SCRIPT_DIR/local-node.sh" down; fi
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    c="${COMPONENTS[$i]}"
    stop "$c"
  done
  sweep_leftovers
  if [ -d "$STATE" ]; then
    rm -rf "$STATE"
    log "removed $STATE"
  fi
}

cmd_status() {
  local c any=0
  for c in "${COMPONENTS[@]}"; do
    if is_running "$c"; then
      printf '%-24s running (pid %s)\n' "$c" "$(pid_of "$c")"
      any=1
    else
      printf '%-24s stopped\n' "$c"
    fi
  done
  if [ "$any" = 1 ] && [ -f "$KUBECONFIG_FILE" ]; then
    echo
    kubectl_ get nodes -o wide -L gpu-serving.io/node-role,gpu-serving.io/gpu-group,topology.kubernetes.io/zone
  fi
  [ "$any" = 1 ]
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) print_env ;;
  *) sed -n '2,35p' "$0" >&2; exit 2 ;;
esac
