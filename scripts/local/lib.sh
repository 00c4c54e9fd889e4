# Shared helpers of the local-cluster scripts (sourced, not run). The caller sets LOG_TAG, and for
# the process helpers BIN (tool binaries), STATE (state dir), PIDS and LOGS (under STATE).
# shellcheck shell=bash

log() { printf '[%s] %s\n' "${LOG_TAG:-local}" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "${LOG_TAG:-local}" "$*" >&2; exit 1; }

# Installs Debian packages that are missing. Service start-up by the packages' maintainer scripts is
# refused for the duration (policy-rc.d): the scripts start what they need themselves, as their own
# processes with recorded pids, never as machine services.
ensure_packages() { # ensure_packages <package...>
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    die "missing Debian packages: ${missing[*]} (install them as root)"
  fi
  log "installing ${missing[*]} (apt-get)"
  local policy=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created=1
  fi
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"; } >&2
  local rc=$?
  [ "$created" = 0 ] || rm -f "$policy"
  [ "$rc" = 0 ] || die "apt-get install ${missing[*]} failed"
}

ensure_cmd() { # ensure_cmd <command> <debian package>
  command -v "$1" >/dev/null 2>&1 || ensure_packages "$2"
}

# ---- processes started by these scripts ------------------------------------------------------
# Each is recorded as PIDS/<name>.pid plus PIDS/<name>.exe (the executable), so a later run can tell
# its own leftovers from someone else's process that happens to reuse the pid or hold the port.

pid_of() { [ -f "$PIDS/$1.pid" ] && cat "$PIDS/$1.pid"; }

exe_for() { # the executable recorded for a component (default: $BIN/<name>)
  if [ -f "$PIDS/$1.exe" ]; then cat "$PIDS/$1.exe"; else printf '%s\n' "$BIN/$1"; fi
}

pid_exe() { local exe; exe="$(readlink "/proc/$1/exe" 2>/dev/null)" || return 1; printf '%s\n' "${exe% (deleted)}"; }

is_running() { # is_running <component>: recorded pid alive and still running the recorded executable
  local pid
  pid="$(pid_of "$1" 2>/dev/null)" || return 1
  [ -n "$pid" ] && ! exited "$pid" || return 1
  [ "$(pid_exe "$pid")" = "$(exe_for "$1")" ]
}

start_process() { # start_process <component> <executable> <args...>: detached, own session, logged
  local name="$1" exe="$2"
  shift 2
  [ -x "$exe" ] || die "$exe missing"
  if is_running "$name"; then
    log "$name already running (pid $(pid_of "$name"))"
    return 0
  fi
  # setsid: own session, so a Ctrl-C in the calling shell does not reach it. The environment
  # marker lets a later run recognise the process as this cluster's even without its pid file.
  GPU_SERVING_LOCAL_STATE="$STATE" setsid "$exe" "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
  readlink -f "$exe" >"$PIDS/$name.exe"
  log "started $name (pid $!, log $LOGS/$name.log)"
}

start_in_netns() { # start_in_netns <component> <netns> <executable> <args...>
  local name="$1" netns="$2" exe="$3"
  shift 3
  if is_running "$name"; then
    log "$name already running (pid $(pid_of "$name"))"
    return 0
  fi
  # nsenter switches the network namespace only: kubelet and containerd must share the host's mount
  # namespace (volumes, overlay mounts), which `ip netns exec` would replace with a private one.
  GPU_SERVING_LOCAL_STATE="$STATE" setsid nsenter --net="/run/netns/$netns" "$exe" "$@" \
    >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
  readlink -f "$exe" >"$PIDS/$name.exe"
  log "started $name in netns $netns (pid $!, log $LOGS/$name.log)"
}

exited() { # gone, or a zombie waiting for a parent that is not us (daemons are reparented)
  [ ! -d "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

kill_pid() { # kill_pid <pid> <label>: TERM, then KILL after 15 s
  local pid="$1" label="$2" _
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 150); do
    exited "$pid" && return 0
    sleep 0.1
  done
  log "$label (pid $pid) did not stop on TERM; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
}

stop_process() { # stop_process <component>: only the recorded pid, only if it still runs our executable
  local name="$1" pid
  if ! is_running "$name"; then
    rm -f "$PIDS/$name.pid" "$PIDS/$name.exe"
    return 0
  fi
  pid="$(pid_of "$name")"
  kill_pid "$pid" "$name"
  rm -f "$PIDS/$name.pid" "$PIDS/$name.exe"
  log "stopped $name (pid $pid)"
}

# ---- ports ----------------------------------------------------------------------------------------
port_holders() { # port_holders <port>: pids listening on 127.0.0.1/0.0.0.0:<port> in this netns
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
}

describe_pid() { # "pid 123 (/path/exe arg1 arg2 …)"
  local cmd
  cmd="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | cut -c1-160)"
  printf 'pid %s (%s)' "$1" "${cmd:-exited}"
}

# Is <pid> a process of this cluster? Every process these scripts start carries the state
# directory in its environment (GPU_SERVING_LOCAL_STATE), and so do the Pulumi CLI runs of the
# local scripts; children inherit it.
is_ours() {
  [ -r "/proc/$1/environ" ] || return 1
  { tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null | grep -qxF "GPU_SERVING_LOCAL_STATE=$STATE"
}

python_bin() { python3 -c 'import os, sys; print(os.path.realpath(sys.executable))'; }

# Makes sure <port> is free before <component> binds it: a leftover of an earlier run of this
# cluster (its command line names our state dir) is stopped, and said so; anything else stops the
# run with a message naming the port, the variable that sets it and the holder.
claim_port() { # claim_port <port> <variable> <component>
  local port="$1" var="$2" name="$3" pid
  for pid in $(port_holders "$port"); do
    if is_running "$name" && [ "$pid" = "$(pid_of "$name")" ]; then
      continue
    fi
    if is_ours "$pid"; then
      log "port $port ($var): stopping a leftover of an earlier run, $(describe_pid "$pid")"
      kill_pid "$pid" "leftover $name"
    else
      die "port $port ($var, for $name) is held by $(describe_pid "$pid"), which this cluster (state $STATE) did not start; stop it or set $var to a free port"
    fi
  done
}

# Processes of an earlier run of this cluster that no pid file records any more (a killed run, a
# state dir removed under them): found by their environment marker, stopped, and said so. Only
# daemons are swept: a process whose session leader is the caller's (the run in progress) is left.
sweep_leftovers() {
  local pid recorded f
  for pid in $(ps -e -o pid=); do
    [ "$pid" = $$ ] || [ "$pid" = "$PPID" ] && continue
    is_ours "$pid" || continue
    [ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$(ps -o sid= -p $$ | tr -d ' ')" ] && continue
    # Recorded daemons, their children, and containerd's shims (they go with their containers,
    # which scripts/local-node.sh stops) are not leftovers.
    case "$(basename "$(pid_exe "$pid")")" in containerd-shim*) continue ;; esac
    recorded=0
    for f in "$PIDS"/*.pid; do
      [ -f "$f" ] || continue
      case "$(cat "$f")" in "$pid" | "$(ps -o ppid= -p "$pid" | tr -d ' ')") recorded=1 ;; esac
    done
    [ "$recorded" = 1 ] && continue
    log "stopping a leftover of an earlier run of this cluster: $(describe_pid "$pid")"
    kill_pid "$pid" leftover
  done
}
