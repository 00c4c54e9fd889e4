#!/usr/bin/env bash
# The local cluster's real worker nodes: a kubelet (built from the same k8s.io/kubernetes module as
# the control plane), containerd and runc (Debian packages) and the CNI bridge plugins (Debian
# containernetworking-plugins) per node, and one kube-proxy, so that the serving path runs real
# containers beside the kwok-simulated GPU nodes:
#
#   local-system-0   the system (CPU) node: weights staging Jobs run here, for real
#   local-real-0     a node of the GPU group "real": labelled and tainted like GpuCluster's GPU
#                    nodes (nvidia.com/gpu=true:NoSchedule) and advertising nvidia.com/gpu as an
#                    extended resource (node status patch): the custom runtime's pods schedule
#                    through the same GPU path as in production, on a CPU
#
# Network: everything runs inside one network namespace this script makes (NETNS). Pods sit on a
# bridge per node inside it (10.88.1.0/24, 10.88.2.0/24); the node addresses (10.88.0.2, .3) and
# the address of the machine's local services (10.88.0.1) are on its loopback. Nothing in it has a
# route to the host or beyond. The host's services reach in and out only through unix sockets, which
# no network namespace confines:
#   - kubelets and kube-proxy reach the apiserver, and containerd the image registry, at
#     127.0.0.1:<same port> inside the namespace (a socat pair per port, through a unix socket);
#   - pods reach the S3 API (moto) at 10.88.0.1:LOCAL_MOTO_PORT the same way;
#   - the apiserver reaches kubelets (logs, exec) through its egress selector: an HTTP CONNECT
#     proxy on a unix socket inside the namespace, which refuses targets outside 10.88.0.0/16;
#   - `expose` forwards a port on the host's 127.0.0.1 to an address inside (a Service's ClusterIP).
#
# Usage: scripts/local-node.sh up|down|status|expose <name> <host port> <ip:port>|unexpose <name>
# Called by scripts/local-cluster.sh (up after the control plane, down before it).
# Env: as local-cluster.sh, plus LOCAL_REGISTRY_PORT (20205), LOCAL_MOTO_PORT (20206),
#      LOCAL_NODE_NETNS (gsi-<apiserver port>), LOCAL_REAL_GPUS (4: nvidia.com/gpu of local-real-0).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=local/lib.sh
source "$SCRIPT_DIR/local/lib.sh"
# shellcheck disable=SC2034 # read by lib.sh's log and die
LOG_TAG=local-node
CACHE="${GPU_SERVING_CACHE:-$HOME/.cache/gpu-serving-infra}"
BIN="$CACHE/bin"
STATE="${GPU_SERVING_LOCAL_DIR:-$CACHE/local}"
PKI="$STATE/pki"
LOGS="$STATE/logs"
PIDS="$STATE/pids"
RUN="$STATE/run"
NODES_DIR="$STATE/nodes"
KUBECONFIG_FILE="$STATE/kubeconfig"
TIMEOUT="${LOCAL_CLUSTER_TIMEOUT:-120}"

APISERVER_PORT="${LOCAL_APISERVER_PORT:-16443}"
REGISTRY_PORT="${LOCAL_REGISTRY_PORT:-20205}"
MOTO_PORT="${LOCAL_MOTO_PORT:-20206}"
NETNS="${LOCAL_NODE_NETNS:-gsi-$APISERVER_PORT}"
REAL_GPUS="${LOCAL_REAL_GPUS:-4}"
NODE_NETWORK=10.88.0.0/16
SERVICES_IP=10.88.0.1      # the machine's local services (S3 API) as pods see them
SERVICE_CIDR=10.96.0.0/16  # must match the apiserver's --service-cluster-ip-range
PAUSE_IMAGE="127.0.0.1:$REGISTRY_PORT/gpu-serving/pause:local"

# name|node IP|pod subnet|kubelet port (inside the namespace)|labels|taints
NODES=(
  "local-system-0|10.88.0.2|10.88.1.0/24|10250|gpu-serving.io/node-role=system,node.kubernetes.io/instance-type=m6i.2xlarge,topology.kubernetes.io/region=us-east-1,topology.kubernetes.io/zone=us-east-1a,type=real|"
  "local-real-0|10.88.0.3|10.88.2.0/24|10251|gpu-serving.io/node-role=gpu,gpu-serving.io/gpu-group=real,nvidia.com/gpu.present=true,node.kubernetes.io/instance-type=g5.12xlarge,topology.kubernetes.io/region=us-east-1,topology.kubernetes.io/zone=us-east-1a,type=real|nvidia.com/gpu=true:NoSchedule"
)
NODE_PACKAGES=(containerd runc containernetworking-plugins socat iptables util-linux iproute2)

kubectl_() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }
in_netns() { nsenter --net="/run/netns/$NETNS" "$@"; }
field() { printf '%s\n' "$1" | cut -d'|' -f"$(($2 + 1))"; }

# ---- network namespace and forwarders --------------------------------------------------------------
netns_up() {
  if ! ip netns list | grep -qw "$NETNS"; then
    ip netns add "$NETNS"
    log "created network namespace $NETNS"
  fi
  in_netns ip link set lo up
  local addr
  for addr in "$SERVICES_IP" $(for n in "${NODES[@]}"; do field "$n" 1; done); do
    in_netns ip addr replace "$addr/32" dev lo
  done
  # Locally sent packets to a ClusterIP need a route before kube-proxy's DNAT picks a pod.
  in_netns ip route replace "$SERVICE_CIDR" dev lo src "$SERVICES_IP"
  in_netns sysctl -qw net.ipv4.ip_forward=1
}

# forward <name> <listen side: host|netns> <listen addr:port> <target addr:port>
# Two socat processes joined by a unix socket: the listener in one namespace, the dialer in the other.
forward() {
  local name="$1" side="$2" listen="$3" target="$4" sock="$RUN/$1.sock"
  # socat addresses: the commas separate an address's options, not array elements.
  # shellcheck disable=SC2054
  local listen_args=(TCP-LISTEN:"${listen##*:}",bind="${listen%:*}",reuseaddr,fork UNIX-CONNECT:"$sock")
  # shellcheck disable=SC2054
  local dial_args=(UNIX-LISTEN:"$sock",fork,unlink-early,mode=600 TCP:"$target")
  if [ "$side" = host ]; then
    claim_port "${listen##*:}" "port of $name" "$name-listen"
    start_in_netns "$name-dial" "$NETNS" "$(command -v socat)" "${dial_args[@]}"
    start_process "$name-listen" "$(command -v socat)" "${listen_args[@]}"
  else
    start_process "$name-dial" "$(command -v socat)" "${dial_args[@]}"
    start_in_netns "$name-listen" "$NETNS" "$(command -v socat)" "${listen_args[@]}"
  fi
}

forwarders_up() {
  mkdir -p "$RUN"
  forward apiserver netns "127.0.0.1:$APISERVER_PORT" "127.0.0.1:$APISERVER_PORT"
  forward registry netns "127.0.0.1:$REGISTRY_PORT" "127.0.0.1:$REGISTRY_PORT"
  forward s3 netns "0.0.0.0:$MOTO_PORT" "127.0.0.1:$MOTO_PORT"
  start_in_netns egress-proxy "$NETNS" "$(python_bin)" \
    "$SCRIPT_DIR/local/egress-proxy.py" "$RUN/egress.sock" "$NODE_NETWORK"
}

# ---- per node: containerd, CNI, kubelet ---------------------------------------------------------------
write_containerd_config() { # <node dir> <pod subnet> <bridge>
  local dir="$1" subnet="$2" bridge="$3"
  mkdir -p "$dir/cni" "$dir/certs.d/127.0.0.1:$REGISTRY_PORT"
  cat >"$dir/containerd.toml" <<EOF
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.internal.v1.opt", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  # This machine's root lacks CAP_SYS_RESOURCE, so no process may lower its OOM score below 0;
  # the kubelet asks -998 for sandboxes. Cap requests at containerd's own score instead of failing.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$dir/certs.d"
EOF
  # The registry on 127.0.0.1 speaks plain HTTP (it is reached only through the namespace's loopback).
  cat >"$dir/certs.d/127.0.0.1:$REGISTRY_PORT/hosts.toml" <<EOF
server = "http://127.0.0.1:$REGISTRY_PORT"
[host."http://127.0.0.1:$REGISTRY_PORT"]
  capabilities = ["pull", "resolve"]
EOF
  cat >"$dir/cni/10-bridge.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$bridge",
  "plugins": [
    {
      "type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$dir/ipam",
        "ranges": [[{ "subnet": "$subnet" }]], "routes": [{ "dst": "0.0.0.0/0" }]
      }
    }
  ]
}
EOF
}

write_kubelet_config() { # <node dir> <node name> <kubelet port> <index>
  local dir="$1" name="$2" port="$3" index="$4"
  : >"$dir/resolv.conf" # pods get no name servers: nothing outside the namespace to ask
  cat >"$dir/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# These machines run cgroup v1; Kubernetes 1.35 refuses it unless told (KEP-5573).
failCgroupV1: false
cgroupDriver: cgroupfs
# Own cgroup root per node: two kubelets on one machine must not treat each other's pods as orphans.
cgroupRoot: /gsi-$APISERVER_PORT-$name
containerRuntimeEndpoint: unix://$dir/containerd.sock
address: 0.0.0.0
port: $port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $((10248 + 10 * index))
podLogsDir: $dir/pod-logs
resolvConf: $dir/resolv.conf
staticPodPath: ""
maxPods: 30
serializeImagePulls: false
# A developer machine: evict nothing for disk or memory the rest of the machine uses.
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%" }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: false }
  x509: { clientCAFile: $PKI/ca.crt }
authorization: { mode: AlwaysAllow }
EOF
}

client_kubeconfig() { # <file> <user name> <subject>: a client certificate of the cluster CA, embedded
  local file="$1" user="$2" subject="$3" key crt server
  key="$(dirname "$file")/client.key"; crt="$(dirname "$file")/client.crt"
  (
    umask 077
    openssl req -newkey rsa:2048 -nodes -keyout "$key" -out "$key.csr" -subj "$subject" 2>/dev/null
    openssl x509 -req -in "$key.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
      -days 365 -sha256 -extfile "$PKI/client.ext" -out "$crt" 2>/dev/null
    rm -f "$key.csr"
  ) || die "client certificate for $user failed"
  # The same server as the admin's: 127.0.0.1 inside the namespace is forwarded to the apiserver.
  server="$(kubectl_ config view -o jsonpath='{.clusters[0].cluster.server}')"
  local kc=("$BIN/kubectl" --kubeconfig "$file")
  rm -f "$file"
  "${kc[@]}" config set-cluster local --server "$server" --certificate-authority "$PKI/ca.crt" --embed-certs >/dev/null
  "${kc[@]}" config set-credentials "$user" --client-certificate "$crt" --client-key "$key" --embed-certs >/dev/null
  "${kc[@]}" config set-context local --cluster local --user "$user" >/dev/null
  "${kc[@]}" config use-context local >/dev/null
  chmod 600 "$file"
  rm -f "$key" "$crt"
}

write_node_kubeconfigs() {
  # Each kubelet is the user system:node:<name> in the group system:nodes, as on EKS: the apiserver's
  # Node authorizer lets it read only the Secrets, ConfigMaps and volumes of pods bound to it, and
  # NodeRestriction lets it change only its own Node and pods. kube-proxy is system:kube-proxy,
  # which RBAC's default system:node-proxier binding serves.
  local name
  for name in $(node_names); do
    mkdir -p "$NODES_DIR/$name"
    client_kubeconfig "$NODES_DIR/$name/kubeconfig" "system:node:$name" "/O=system:nodes/CN=system:node:$name"
  done
  mkdir -p "$NODES_DIR/kube-proxy"
  client_kubeconfig "$NODES_DIR/kube-proxy/kubeconfig" system:kube-proxy "/CN=system:kube-proxy"
}

save_kernel_tunables() {
  # The kubelet sets vm.overcommit_memory, kernel.panic and kernel.panic_on_oops machine-wide
  # (setupKernelTunables, no opt-out); remember them so `down` can put them back.
  [ -f "$STATE/kernel-tunables" ] && return 0
  local k
  for k in vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops; do
    printf '%s=%s\n' "$k" "$(sysctl -n "$k")"
  done >"$STATE/kernel-tunables"
}

restore_kernel_tunables() {
  [ -f "$STATE/kernel-tunables" ] || return 0
  sysctl -q -p "$STATE/kernel-tunables" >/dev/null && log "restored kernel tunables ($(tr '\n' ' ' <"$STATE/kernel-tunables"))"
  rm -f "$STATE/kernel-tunables"
}

node_up() { # <node spec> <index>
  local spec="$1" index="$2" name ip subnet port labels taints dir bridge
  name="$(field "$spec" 0)"; ip="$(field "$spec" 1)"; subnet="$(field "$spec" 2)"
  port="$(field "$spec" 3)"; labels="$(field "$spec" 4)"; taints="$(field "$spec" 5)"
  dir="$NODES_DIR/$name"
  bridge="cni$index"
  mkdir -p "$dir"
  write_containerd_config "$dir" "$subnet" "$bridge"
  write_kubelet_config "$dir" "$name" "$port" "$index"
  cgroups_up "$name"
  start_in_netns "containerd-$name" "$NETNS" "$(command -v containerd)" --config "$dir/containerd.toml"
  local i
  for i in $(seq 1 30); do [ -S "$dir/containerd.sock" ] && break; sleep 0.5; done
  [ -S "$dir/containerd.sock" ] || die "containerd of $name did not start; see $LOGS/containerd-$name.log"
  local args=(--config="$dir/kubelet.yaml" --kubeconfig="$dir/kubeconfig" --root-dir="$dir/kubelet"
    --hostname-override="$name" --node-ip="$ip" --node-labels="$labels" --v=1)
  [ -z "$taints" ] || args+=(--register-with-taints="$taints")
  start_in_netns "kubelet-$name" "$NETNS" "$BIN/kubelet" "${args[@]}"
}

kube_proxy_up() {
  local dir="$NODES_DIR/kube-proxy"
  mkdir -p "$dir"
  cat >"$dir/config.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
# One kube-proxy for the namespace both nodes share: it programs its iptables, no one else's.
mode: iptables
hostnameOverride: local-real-0
clientConnection: { kubeconfig: $dir/kubeconfig }
clusterCIDR: $NODE_NETWORK
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Leave the machine-wide conntrack table size alone (it is not per namespace).
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
EOF
  start_in_netns kube-proxy "$NETNS" "$BIN/kube-proxy" --config="$dir/config.yaml" --v=1
}

advertise_gpus() { # the extended resource, as the Kubernetes docs show: a node status patch
  kubectl_ patch node local-real-0 --subresource=status --type=json -p \
    "[{\"op\":\"add\",\"path\":\"/status/capacity/nvidia.com~1gpu\",\"value\":\"$REAL_GPUS\"}]" >/dev/null
  # The kubelet copies it into allocatable (what the scheduler counts) at its next status update.
  local i
  for i in $(seq 1 60); do
    [ "$(kubectl_ get node local-real-0 -o jsonpath='{.status.allocatable.nvidia\.com/gpu}')" = "$REAL_GPUS" ] && return 0
    sleep 1
  done
  die "local-real-0 does not show nvidia.com/gpu: $REAL_GPUS as allocatable after 60 s"
}

node_names() { local n; for n in "${NODES[@]}"; do field "$n" 0; done; }

cmd_up() {
  [ "$(id -u)" = 0 ] || die "real nodes need root (network namespace, containerd, kubelet)"
  if [ ! -x "$BIN/kubelet" ] || [ ! -x "$BIN/kube-proxy" ]; then
    die "kubelet/kube-proxy missing: run scripts/build-tools.sh kubelet kube-proxy"
  fi
  ensure_packages "${NODE_PACKAGES[@]}"
  ensure_cmd python3 python3
  mkdir -p "$LOGS" "$PIDS" "$RUN" "$NODES_DIR"
  sweep_leftovers
  netns_up
  forwarders_up
  write_node_kubeconfigs
  save_kernel_tunables
  local i
  for i in "${!NODES[@]}"; do node_up "${NODES[$i]}" "$i"; done
  kube_proxy_up
  local name
  for name in $(node_names); do
    for i in $(seq 1 "$TIMEOUT"); do
      kubectl_ get node "$name" >/dev/null 2>&1 && break
      check_alive "containerd-$name" "kubelet-$name"
      sleep 1
    done
    kubectl_ wait --for=condition=Ready "node/$name" --timeout="${TIMEOUT}s" >/dev/null ||
      { tail -n 20 "$LOGS/kubelet-$name.log" >&2; die "node $name not Ready after ${TIMEOUT}s (see $LOGS/kubelet-$name.log)"; }
  done
  advertise_gpus
  log "real nodes Ready: $(node_names | tr '\n' ' ')(network namespace $NETNS)"
}

check_alive() {
  local c
  for c in "$@"; do
    is_running "$c" || { tail -n 30 "$LOGS/$c.log" >&2 || true; die "$c exited; see $LOGS/$c.log"; }
  done
}

# ---- teardown --------------------------------------------------------------------------------------------
containers_down() { # stops every container of a node's containerd (pods the kubelet left running)
  local sock="$NODES_DIR/$1/containerd.sock" id netns
  [ -S "$sock" ] || return 0
  local ctr_=(ctr -a "$sock" -n k8s.io)
  for id in $("${ctr_[@]}" tasks ls -q 2>/dev/null); do
    "${ctr_[@]}" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
  done
  sleep 1
  for id in $("${ctr_[@]}" containers ls -q 2>/dev/null); do
    # A sandbox's network namespace is a bind mount under /run/netns that only it names.
    netns="$("${ctr_[@]}" containers info "$id" 2>/dev/null | grep -o '"/var/run/netns/cni-[^"]*"' | tr -d '"' | head -1 || true)"
    "${ctr_[@]}" tasks delete -f "$id" >/dev/null 2>&1 || true
    "${ctr_[@]}" containers delete "$id" >/dev/null 2>&1 || true
    if [ -n "$netns" ] && [ -e "$netns" ]; then umount "$netns" 2>/dev/null || true; rm -f "$netns"; fi
  done
}

unmount_under() { # every mount point below a directory, deepest first
  local dir="$1" m
  [ -d "$dir" ] || return 0
  while IFS= read -r m; do
    umount -l "$m" 2>/dev/null || true
  done < <(awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r)
}

cgroups_up() { # the kubelet wants its cgroup root to exist in every v1 hierarchy
  local root="gsi-$APISERVER_PORT-$1" hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do
    [ -f "${hierarchy}cgroup.procs" ] || continue
    mkdir -p "$hierarchy$root"
    if [ -f "${hierarchy}cpuset.cpus" ]; then # a new cpuset has no CPUs until given its parent's
      cat "${hierarchy}cpuset.cpus" >"$hierarchy$root/cpuset.cpus"
      cat "${hierarchy}cpuset.mems" >"$hierarchy$root/cpuset.mems"
    fi
  done
}

cgroups_down() { # removes a kubelet's cgroup tree in every v1 hierarchy (empty once its pods are gone)
  local root="/gsi-$APISERVER_PORT-$1" hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do
    [ -d "$hierarchy${root#/}" ] || continue
    find "$hierarchy${root#/}" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

cmd_down() {
  local name
  # Pods first, while the kubelets still run: they tear down sandboxes and pod networks properly.
  if kubectl_ get --raw /readyz >/dev/null 2>&1; then
    for name in $(node_names); do
      kubectl_ delete pods -A --field-selector "spec.nodeName=$name" --force --grace-period=0 \
        --wait=false >/dev/null 2>&1 || true
      kubectl_ delete node "$name" --wait=false >/dev/null 2>&1 || true
    done
    sleep 3
  fi
  stop_process kube-proxy
  for name in $(node_names); do
    stop_process "kubelet-$name"
    containers_down "$name"
    stop_process "containerd-$name"
  done
  local f
  for f in "$PIDS"/*.pid; do
    [ -f "$f" ] || continue
    name="$(basename "$f" .pid)"
    case "$name" in *-listen | *-dial | egress-proxy) stop_process "$name" ;; esac
  done
  sweep_leftovers
  for name in $(node_names); do
    unmount_under "$NODES_DIR/$name"
    cgroups_down "$name"
  done
  if ip netns list | grep -qw "$NETNS"; then
    ip netns delete "$NETNS" && log "deleted network namespace $NETNS"
  fi
  restore_kernel_tunables
}

cmd_status() {
  local name any=0
  for name in kube-proxy egress-proxy $(for n in $(node_names); do echo "containerd-$n kubelet-$n"; done); do
    if is_running "$name"; then printf '%-32s running (pid %s)\n' "$name" "$(pid_of "$name")"; any=1
    else printf '%-32s stopped\n' "$name"; fi
  done
  [ "$any" = 1 ]
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  expose) [ $# = 4 ] || die "usage: expose <name> <host port> <ip:port>"
    mkdir -p "$RUN" "$PIDS" "$LOGS"
    forward "expose-$2" host "127.0.0.1:$3" "$4" ;;
  unexpose) stop_process "expose-$2-listen"; stop_process "expose-$2-dial" ;;
  *) sed -n '2,34p' "$0" >&2; exit 2 ;;
esac
