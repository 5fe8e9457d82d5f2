# Sourced by the bench scripts: a local cloud of their own, and tokens from it. The caller's EXIT trap kills $cloud_pid.
#   start_local_cloud DATA API_PORT [S3_PORT DYNAMODB_PORT]   starts infra/local-cloud in the background (log in
#                                                             DATA.log), sets cloud_pid, waits until it answers
#   stop_local_cloud                                          stops it (for the caller's EXIT trap; quiet if not started)
#   cli_against_local_cloud WORK API_PORT USER                builds the CLI and the local cloud, starts one (data in
#                                                             WORK/cloud; at exit it is stopped and WORK removed) and
#                                                             exports the CLI's endpoint, config folder and USER's token
#   local_token API_PORT USER                                 prints an access token for USER
#   local_restic DATA S3_PORT BUCKET WORK                     a restic repository in BUCKET of the cloud's s3proxy
#                                                             (RESTIC_* and the emulators' AWS keys exported), initialised
#   cloud_cpu                                                 the cloud's process CPU so far, in clock ticks
#   cloud_thread_ticks                                        its threads' CPU ticks (tid, ticks, name), one per line
#   cloud_thread_groups BEFORE AFTER                          CPU seconds between two such listings by thread group
#                                                             (digits dropped; at least 0.5 s; ended threads not counted)

start_local_cloud() {
  local data=$1 port=$2 s3=${3:-$(($2 + 1))} dynamo=${4:-$(($2 + 2))}
  infra/local-cloud start --data "$data" --port "$port" --s3-port "$s3" --dynamodb-port "$dynamo" > "$data.log" 2>&1 &
  cloud_pid=$!
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/local/v1/status" >/dev/null 2>&1 && return 0
    sleep 1
  done
  tail -50 "$data.log" >&2
  echo "the local cloud did not answer on port $port" >&2
  return 1
}

stop_local_cloud() {
  [[ -n "${cloud_pid:-}" ]] || return 0
  kill "$cloud_pid" 2>/dev/null || true
  wait "$cloud_pid" 2>/dev/null || true
}

cli_against_local_cloud() {
  local work=$1 port=$2 user=$3
  # shellcheck disable=SC2064 # WORK is expanded now, on purpose
  trap "stop_local_cloud; rm -rf '$work'" EXIT
  mvn -B -q -pl client,infra/local -am package -DskipTests >&2
  start_local_cloud "$work/cloud" "$port"
  export CHUNKVAULT_ENDPOINT="http://127.0.0.1:$port" CHUNKVAULT_CONFIG_DIR="$work/cfg"
  CHUNKVAULT_TOKEN=$(local_token "$port" "$user")
  export CHUNKVAULT_TOKEN
}

local_token() {
  curl -fsS -X POST -H 'content-type: application/json' -d "{\"user\":\"$2\"}" \
    "http://127.0.0.1:$1/local/v1/token" | sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p'
}

local_restic() {
  local data=$1 s3=$2 bucket=$3 work=$4 creds
  export RESTIC_REPOSITORY="s3:http://127.0.0.1:$s3/$bucket"
  export RESTIC_PASSWORD=chunkvault-bench
  export RESTIC_CACHE_DIR="$work/restic-cache"
  # the emulators' own credentials, made for this data folder (keyid:secret)
  creds=$(cat "$data/keys/emulator-credentials")
  export AWS_ACCESS_KEY_ID=${creds%%:*}
  export AWS_SECRET_ACCESS_KEY=${creds#*:}
  restic init >/dev/null
}

cloud_cpu() {
  awk '{print $14 + $15}' "/proc/$cloud_pid/stat"
}

cloud_thread_ticks() {
  python3 - "$cloud_pid" <<'PY'
import glob, sys
for f in glob.glob("/proc/%s/task/*/stat" % sys.argv[1]):
    try:
        st = open(f).read()
    except OSError:
        continue
    name, rest = st[st.index("(") + 1:st.rindex(")")], st[st.rindex(")") + 2:].split()
    print(f.split("/")[4], int(rest[11]) + int(rest[12]), name.replace(" ", "_"), sep="\t")
PY
}

cloud_thread_groups() {
  python3 - "$1" "$2" "$(getconf CLK_TCK)" <<'PY'
import re, sys
def load(p):
    return {l.split("\t")[0]: (int(l.split("\t")[1]), l.split("\t")[2].strip()) for l in open(p) if l.strip()}
a, b, hz = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
groups = {}
for tid, (t, name) in b.items():
    d = t - (a[tid][0] if tid in a and a[tid][1] == name else 0)
    g = re.sub(r"#(-#)+", "#", re.sub(r"[0-9]+", "#", name))
    groups[g] = groups.get(g, 0) + d / hz
print("; ".join("%s %.1f" % (g, v) for g, v in sorted(groups.items(), key=lambda kv: -kv[1]) if v >= 0.5))
PY
}
