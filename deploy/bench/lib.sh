# Shared helpers of the benchmark scripts (sourced, not run). bench_workdir NAME first.
#
# The benchmarks share two cores with the processes they measure, so the helpers keep their own
# CPU use low: waiting on a run is one curl every 0.25 s (or a long poll where the API has one) matched
# with a bash regex (no python per poll), and peak RSS is read from the kernel's high-water mark (VmHWM for the services, GNU time's
# maximum resident set for the compared tools) instead of being sampled.

# a fresh work folder in WORK, removed at exit with the processes in PIDS (kept with KEEP=1).
# With FRESH_EXT4=1 (the benches' --fresh-ext4) WORK is a new ext4 file system with a journal, as
# mkfs.ext4 makes it, on a sparse image beside it: every tool then starts from the same
# clean state. Where /tmp is ext4 without a journal (as on some VMs), creating a file costs a scan past
# every inode freed in the last 1 to 6 minutes, so the runs after a mass deletion (the previous
# benchmark's cleanup) measure that scan; the first tool measured pays the most.
# The image is attached as a loop device with direct I/O where the kernel allows it, so that the loop device
# writes through to the disk as a disk would: a buffered one copies every written byte into the image's own
# page cache too, and turns each flush of the file system (each fsync) into an fsync of the whole image file.
# FRESH_EXT4_GB sizes it (default 16; sparse, so only what is written takes room).
bench_workdir() {
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  PIDS=()
  LOOP_DEV=
  trap bench_cleanup EXIT
  if [ "${FRESH_EXT4:-0}" = 1 ]; then
    truncate -s "${FRESH_EXT4_GB:-16}G" "$WORK.img"
    LOOP_DEV=$(losetup --direct-io=on -f --show "$WORK.img")
    mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$LOOP_DEV"
    mount "$LOOP_DEV" "$WORK"
    local dio; dio=$(cat "/sys/block/${LOOP_DEV#/dev/}/loop/dio" 2>/dev/null || echo 0)
    echo "== work folder: a fresh ext4 file system (journaled) on $WORK.img ($LOOP_DEV, direct I/O $([ "$dio" = 1 ] && echo on || echo "off: the kernel refused it"))"
  fi
}
bench_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then
    echo "kept $WORK"
  elif mountpoint -q "$WORK"; then
    umount "$WORK" && { [ -z "$LOOP_DEV" ] || losetup -d "$LOOP_DEV"; } && rm -f "$WORK.img" && rmdir "$WORK"
  else
    rm -rf "$WORK"
  fi
}

command -v /usr/bin/time >/dev/null || apt-get install -y time >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
# arithmetic in awk, not python: a python start takes up to half a second on some machines, and inside a measured
# interval it would count as the tool's time and CPU
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.0f", k / 1024}'; }
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }

# peak resident set (KiB) of a live process since start or since reset_hwm
hwm_kb() {
  local key value _
  while read -r key value _; do [ "$key" = VmHWM: ] && { echo "$value"; return; }; done < "/proc/$1/status"
  echo 0
}
reset_hwm() { echo 5 > "/proc/$1/clear_refs" 2>/dev/null || true; }
# peak RSS of the two service JVMs together, measured since phase_start
phase_start() { reset_hwm "$SV_PID"; reset_hwm "$GW_PID"; }
phase_peak() { echo $(( $(hwm_kb "$SV_PID") + $(hwm_kb "$GW_PID") )); }

# CPU seconds (user + system) a live process has used so far
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / t}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# CPU seconds all PostgreSQL processes alive now have used (the database the services keep their rows in;
# its connections stay open in the services' pools, so a phase's share is the difference)
db_cpu_s() {
  local t total=0 p stat
  t=$(getconf CLK_TCK)
  for p in $(pgrep -x postgres 2>/dev/null); do
    stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    total=$(( total + $(echo "${stat##*) }" | awk '{print $12 + $13}') ))
  done
  awk -v n=$total -v t=$t 'BEGIN {printf "%.1f", n / t}'
}
# the local Kafka broker's pid (deploy/local/infra), when it runs here
broker_pid() { local p; p=$(cat deploy/local/run/pids/kafka.pid 2>/dev/null) && [ -d "/proc/$p" ] && echo "$p" || echo 0; }
# CPU seconds the JIT compiler threads of a live JVM have used so far
jit_s() {
  local tck ticks=0 t line comm
  tck=$(getconf CLK_TCK)
  for t in /proc/$1/task/*; do
    # a thread may end between the glob and the read
    { read -r comm < "$t/comm"; } 2>/dev/null || continue
    [[ $comm == C[12]\ CompilerThre* ]] || continue
    { read -r line < "$t/stat"; } 2>/dev/null || continue
    line=${line##*) }; set -- $line
    ticks=$(( ticks + ${12} + ${13} ))
  done
  awk -v n=$ticks -v t=$tck 'BEGIN {printf "%.2f", n / t}'
}
# CPU seconds the JIT compilers of the two services have used so far
jit_total() { awk -v a="$(jit_s $SV_PID)" -v b="$(jit_s $GW_PID)" 'BEGIN {printf "%.2f", a + b}'; }
# A measured run should not pay for compiling the warm-up left queued: jit_settle waits until the two
# services' JIT compilers have been all but idle for 3 s (at most 180 s), and says how long that took and
# how much compiling it was. (After the warm-ups here it is a few seconds and under a CPU-second: what the
# JIT does during a measured phase is compiling that phase asked for.)
jit_settle() {
  local start jit0 last current waited=0
  start=$(now); jit0=$(jit_total); last=$jit0
  while [ "$waited" -lt 60 ]; do
    sleep 3; waited=$((waited + 1))
    current=$(jit_total)
    awk -v c="$current" -v l="$last" 'BEGIN {exit !(c - l < 0.15)}' && break
    last=$current
  done
  echo "   the JIT compilers settled after $(secs $start "$(now)") s ($(secs $jit0 "$current") CPU-s of compiling)"
}

# write-type system calls (write, writev, sendto...) a live process has made so far
write_calls() { awk '/^syscw:/ {print $2}' "/proc/$1/io" 2>/dev/null || echo 0; }

# what made the gateway's local stores durable so far, "flushes/fsyncs": flushes of a store's file system shared by
# batch entries, objects with an fsync of their own (the gateway's counters in /q/metrics; "-" without a gateway)
durable_ops() {
  [ -n "${GW_PORT:-}" ] || { echo "-"; return; }
  curl -s --max-time 5 "http://127.0.0.1:$GW_PORT/q/metrics" | awk '
    /^syncvault_store_flushes_total/ {f += $NF} /^syncvault_store_object_fsyncs_total/ {o += $NF}
    END {printf "%d/%d", f, o}'
}

# phase_cpu sets PHASE_CPU to the CPU seconds used by the service, the gateway, the broker and PostgreSQL
# since cpu_start, as "service/gateway/broker/database", PHASE_JIT to the part of the two services' CPU that
# their JIT compilers used, PHASE_WRITES to the write calls of the service and the gateway, and PHASE_DURABLE to the
# gateway's flushes/fsyncs (durable_ops)
# the CPU the whole machine spent since boot, in seconds: every process and kernel thread (write-back, the loop
# device, interrupts) but idle and I/O wait; a measured interval's difference is MACHINE_S
machine_s() {
  awk -v hz="$(getconf CLK_TCK)" '/^cpu /{printf "%.2f", ($2+$3+$4+$7+$8+$9)/hz; exit}' /proc/stat
}
machine_start() { MACHINE0=$(machine_s); }
machine_stop() { MACHINE_S=$(secs $MACHINE0 "$(machine_s)"); }
cpu_start() {
  BROKER_PID=$(broker_pid); CPU0_SV=$(cpu_s $SV_PID); CPU0_GW=$(cpu_s $GW_PID); CPU0_BK=$(cpu_s $BROKER_PID); CPU0_DB=$(db_cpu_s)
  JIT0=$(jit_total)
  WRITES0_SV=$(write_calls $SV_PID); WRITES0_GW=$(write_calls $GW_PID)
  DURABLE0=$(durable_ops)
  profile start
  # last: the machine's CPU counts from here, not the work of taking the figures above
  machine_start
}
phase_cpu() {
  machine_stop
  profile stop
  PHASE_JIT=$(secs $JIT0 "$(jit_total)")
  PHASE_CPU="$(secs $CPU0_SV $(cpu_s $SV_PID))/$(secs $CPU0_GW $(cpu_s $GW_PID))/$(secs $CPU0_BK $(cpu_s $BROKER_PID))/$(secs $CPU0_DB $(db_cpu_s))"
  PHASE_WRITES="$(( $(write_calls $SV_PID) - WRITES0_SV ))/$(( $(write_calls $GW_PID) - WRITES0_GW ))"
  local durable
  durable=$(durable_ops)
  if [ "$durable" = "-" ] || [ "$DURABLE0" = "-" ]; then
    PHASE_DURABLE="-"
  else
    PHASE_DURABLE="$(( ${durable%/*} - ${DURABLE0%/*} ))/$(( ${durable#*/} - ${DURABLE0#*/} ))"
  fi
}

# With BENCH_PROFILER set to an async-profiler library (libasyncProfiler.so), each measured phase of
# the two services is CPU-profiled: phase N leaves phase-N-service.collapsed and phase-N-gateway.collapsed
# (collapsed stacks, one line per stack with its sample count) in BENCH_PROFILE_DIR (default the work folder).
# BENCH_PROFILE_EVENT picks what is sampled (default cpu; wall shows where threads wait).
PROFILE_PHASE=0
profile() { # start | stop
  [ -n "${BENCH_PROFILER:-}" ] || return 0
  local dir=${BENCH_PROFILE_DIR:-$WORK} name pid
  mkdir -p "$dir"
  [ "$1" = start ] && PROFILE_PHASE=$((PROFILE_PHASE + 1))
  for name in service gateway; do
    [ $name = service ] && pid=$SV_PID || pid=$GW_PID
    if [ "$1" = start ]; then
      java deploy/bench/AgentLoad.java "$pid" "$BENCH_PROFILER" "start,event=${BENCH_PROFILE_EVENT:-cpu},interval=1ms,threads" > /dev/null
    else
      java deploy/bench/AgentLoad.java "$pid" "$BENCH_PROFILER" "stop,collapsed,file=$dir/phase-$PROFILE_PHASE-$name.collapsed" > /dev/null
    fi
  done
}

# runs a tool to its end; sets TOOL_END to when it ended, PEAK_KB to its maximum resident set and TOOL_CPU to its
# CPU seconds
run_peak() {
  /usr/bin/time -f '%M %U %S' -o "$WORK/peak.txt" "$@" > "$WORK/cmd.log" 2>&1 || { cat "$WORK/cmd.log" >&2; return 1; }
  TOOL_END=$(now)
  local user sys
  read -r PEAK_KB user sys < <(tail -1 "$WORK/peak.txt")
  TOOL_CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.1f", u + s}')
}

# an RS256 key pair in $WORK and a TOKEN with all three roles, signed with openssl
mint_token() {
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/private.pem" 2>/dev/null
  openssl pkey -in "$WORK/private.pem" -pubout -out "$WORK/public.pem"
  local header payload sig exp
  exp=$(( $(date +%s) + 7200 ))
  header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
  payload=$(printf '{"iss":"syncvault","upn":"bench","groups":["syncvault-read","syncvault-write","syncvault-admin"],"exp":%d,"iat":%d}' "$exp" "$(date +%s)" | b64url)
  sig=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$WORK/private.pem" -binary | b64url)
  TOKEN="$header.$payload.$sig"
}
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

api() { curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# the storage gateway with one encrypted local store "bench" under $WORK/store; sets GW_PORT, GW_PID
start_gateway() {
  GW_PORT=$(free_port)
  SYNCVAULT_HTTP_PORT=$GW_PORT SYNCVAULT_JWT_PUBLIC_KEY=$WORK/public.pem SYNCVAULT_DATA_DIR=$WORK/gateway \
    java -Xmx512m ${GATEWAY_JAVA_OPTS:-} -Dsyncvault.gateway.stores.bench.provider=local \
    -Dsyncvault.gateway.stores.bench.root="$WORK/store" -Dsyncvault.gateway.stores.bench.encryption=true \
    -Dsyncvault.gateway.stores.bench.passphrase="bench passphrase" \
    -jar "$GATEWAY_JAR" > "$WORK/gateway.log" 2>&1 &
  GW_PID=$!; PIDS+=("$GW_PID")
}

# waits for each port's readiness
wait_ready() {
  local port
  for port in "$@"; do
    for _ in $(seq 1 180); do curl -fs "http://127.0.0.1:$port/q/health/ready" >/dev/null && break; sleep 0.5; done
    curl -fs "http://127.0.0.1:$port/q/health/ready" >/dev/null || { echo "service on $port not ready; logs in $WORK" >&2; KEEP=1; exit 1; }
  done
}

# wait_status URL DONE WAITING: polls a run's top-level "status" until it is DONE (returns 0);
# any status not matching the WAITING regex fails (prints the run, returns 1). Sets LAST_BODY.
wait_status() {
  local url=$1 done=$2 waiting=$3 status
  while :; do
    LAST_BODY=$(api "$url")
    [[ $LAST_BODY =~ \"status\":\"([A-Z_]+)\" ]] && status=${BASH_REMATCH[1]} || status=?
    [ "$status" = "$done" ] && return 0
    [[ $status =~ ^($waiting)$ ]] || { echo "$LAST_BODY" >&2; return 1; }
    sleep 0.25
  done
}

# appends a line to 1% of the files under DIR (the same files each time: fixed seed)
change_one_percent() {
  python3 - "$1" <<'PY'
import os, sys, random
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs)
rng = random.Random(7)
for f in rng.sample(files, max(1, len(files) // 100)):
    with open(f, "ab") as out: out.write(b'{"changed": true}\n')
PY
}
