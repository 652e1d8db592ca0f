#!/usr/bin/env bash
# Helpers shared by the local scripts: paths, logging, pid files, readiness waits, installs.
# Sourced, never run. Every start is idempotent: a running process (by pid file) is left alone.
set -euo pipefail

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$LOCAL_DIR/../.." && pwd)"
RUN="$LOCAL_DIR/run"          # pids, logs, data, keys, tokens (git-ignored)
CACHE="$LOCAL_DIR/.cache"     # downloaded jars and npm packages (git-ignored)
mkdir -p "$RUN/pids" "$RUN/logs" "$RUN/data" "$CACHE"

log() { printf '[syncvault] %s\n' "$*" >&2; }
die() { printf '[syncvault] ERROR: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_until SECONDS WHAT COMMAND...: polls COMMAND every half second.
wait_until() {
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if ((SECONDS >= deadline)); then return 1; fi
    sleep 0.5
  done
}

pid_of() { local f="$RUN/pids/$1.pid"; [[ -f $f ]] && cat "$f" || true; }
is_running() { local pid; pid=$(pid_of "$1"); [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; }

# start_bg NAME COMMAND...: runs COMMAND in its own session, output to run/logs/NAME.log.
start_bg() {
  local name=$1; shift
  : >"$RUN/logs/$name.log"
  setsid nohup "$@" >>"$RUN/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/pids/$name.pid"
}

# stop_bg NAME: TERM to the process group, KILL after 20 s.
stop_bg() {
  local name=$1 pid
  pid=$(pid_of "$name")
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    if ! wait_until 20 "$name to stop" bash -c "! kill -0 $pid 2>/dev/null"; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$RUN/pids/$name.pid"
}

fail_start() { # fail_start NAME: show the end of its log and give up
  log "$1 did not become ready; last lines of $RUN/logs/$1.log:"
  tail -n 30 "$RUN/logs/$1.log" >&2 || true
  die "$1 failed to start"
}

APT_UPDATED=
ensure_apt() { # ensure_apt COMMAND PACKAGE: installs PACKAGE when COMMAND is missing
  command -v "$1" >/dev/null 2>&1 && return 0
  [[ $(id -u) == 0 ]] || die "$1 is missing; install the Debian package $2"
  if [[ -z $APT_UPDATED ]]; then DEBIAN_FRONTEND=noninteractive apt-get update -qq; APT_UPDATED=1; fi
  log "installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

ensure_toolchain() {
  ensure_apt java openjdk-17-jdk-headless
  ensure_apt mvn maven
  ensure_apt openssl openssl
  ensure_apt curl curl
  ensure_apt setsid util-linux
}

# A secret made once per machine and kept under run/ (never in the repo).
local_secret() { # local_secret NAME [hex|base64]
  local f="$RUN/secrets/$1" format=${2:-hex} size=24
  [[ $format == base64 ]] && size=64
  mkdir -p "$RUN/secrets"; chmod 700 "$RUN/secrets"
  [[ -s $f ]] || (umask 077; openssl rand "-$format" $size | tr -d "\n" >"$f")
  cat "$f"
}

# Fetch a Maven artifact and its dependencies into CACHE/NAME/lib, once.
fetch_jars() { # fetch_jars NAME POM
  local name=$1 pom=$2 dir="$CACHE/$1"
  [[ -f $dir/.complete && $dir/.complete -nt $pom ]] && return 0
  log "fetching $name jars (first time only)"
  rm -rf "$dir/lib"
  mvn -B -q -f "$pom" dependency:copy-dependencies -DoutputDirectory="$dir/lib" -DincludeScope=runtime \
    || die "could not fetch the $name jars"
  touch "$dir/.complete"
}

ENV_FILE="$RUN/env"
