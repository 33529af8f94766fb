# What both benchmarks share: the system started with an optimised build in a database and
# virtual host of its own, the demo users' tokens, wrk with requests.lua, and the counters they
# read. Sourced by scripts/bench/run and scripts/bench/reads after scripts/lib.sh; CONNECTIONS,
# THREADS and the other knobs are theirs.
# shellcheck shell=bash

# A database and virtual host of its own (scripts/run makes them): the hundreds of thousands of
# tickets a run leaves never bury the demo's (the backlog would keep new demo tickets waiting).
export SOPZ_RUN_DATABASE=${SOPZ_RUN_DATABASE:-sopz_bench}
command -v wrk >/dev/null || { log "installing wrk"; as_root apt-get install -y -qq wrk >/dev/null; }

# One demo user sends every request, so the per-user command rate limit is turned off: the
# benchmark measures the pipeline, not the limiter. Assignment is on: the three demo
# administrators sign in before the load and the capacity cap is out of reach, so every ticket
# is assigned by workload as it is opened (ASSIGNMENT_CAPACITY overrides).
# No local Prometheus: its scrapes would be CPU the figures did not have before.
SOPZ_ASSIGNMENT_CAPACITY=${ASSIGNMENT_CAPACITY:-100000} SOPZ_COMMAND_RATE_PER_MINUTE=0 SOPZ_BUILD=release \
  SOPZ_PROMETHEUS=0 "$ROOT/scripts/run" >/dev/null
ulimit -n "$(ulimit -Hn)" # 1,000 connections need more than 1,024 descriptors
URL=https://localhost:8443
token() { # a demo user's access token
  curl -s --cacert "$TLS/ca.pem" -d grant_type=password -d username="$1" -d password=demo \
    https://localhost:8444/realms/sopz/protocol/openid-connect/token |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
TOKEN=$(token ada)      # the client who opens (and owns) every benchmark ticket
TOKEN_READ=$(token max) # a manager, who may read every ticket and change its status
export TOKEN TOKEN_READ
for administrator in ann bill cleo; do # their first request registers them
  curl -s -o /dev/null --cacert "$TLS/ca.pem" -H "Authorization: Bearer $(token $administrator)" "$URL/api/v1/tickets"
done

done_commands() { psql_admin -d "$SOPZ_RUN_DATABASE" -c "SELECT count(*) FROM commands"; }
queue_depth() { rabbitmqctl_ -q list_queues -p "$SOPZ_RUN_DATABASE" name messages | awk '$1 == "sopz.dispatcher" { print $2 }'; }

applied_since() { # $1 commands before, $2 start time: prints the applied rates
  local ended ended_count waiting drained after
  ended=$(date +%s.%N)
  ended_count=$(done_commands)
  waiting=$(queue_depth)
  until [ "$(queue_depth)" = "0" ]; do sleep 0.2; done
  drained=$(date +%s.%N)
  after=$(done_commands)
  python3 -c "
during, seconds = $ended_count - $1, $ended - $2
print(f'applied while the load ran: {during} commands in {seconds:.1f} s: {during / seconds:.0f}/s; queued after it: $waiting')
backlog, drain = $after - $ended_count, $drained - $ended
if backlog >= 1000:
    print(f'backlog drained: {backlog} commands in {drain:.1f} s (its end found by polling rabbitmqctl): {backlog / drain:.0f}/s')
    print(f'applied from the start until the queue was empty: {$after - $1} in {$drained - $2:.1f} s: {($after - $1) / ($drained - $2):.0f}/s')"
}

load() { # $1 seconds, then env assignments for wrk
  local seconds=$1
  shift
  env "$@" THREADS="$THREADS" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" --timeout 15s \
    -s "$ROOT/scripts/bench/requests.lua" "$URL/api/v1/tickets"
}

