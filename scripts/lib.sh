# shellcheck shell=bash
# Shared set-up for scripts/run, scripts/test and scripts/stop. Source it; do not run it.
#
# Everything the local system needs lives in the git-ignored folder .state/:
#   .state/tls        a local CA and one server certificate (localhost, 127.0.0.1) for all hops
#   .state/secrets    generated passwords (never committed)
#   .state/rabbitmq   RabbitMQ's config, data and logs (owned by the rabbitmq user)
#   .state/postgres   PostgreSQL's write cluster (owned by the postgres user)
#   .state/postgres-read  a second cluster on another port for the read model (SOPZ_READ_DATABASE_URL)
#   .state/env        the SOPZ_* variables the services and the tests read
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$ROOT/.state"
TLS="$STATE/tls"
SECRETS="$STATE/secrets"
LOGS="$STATE/logs"
PIDS="$STATE/pids"
export PATH="/opt/swift/usr/bin:$PATH"

AMQPS_PORT=${SOPZ_LOCAL_AMQPS_PORT:-5671}
PG_PORT=${SOPZ_LOCAL_PG_PORT:-5432}
READ_PG_PORT=${SOPZ_LOCAL_READ_PG_PORT:-5433}
# RabbitMQ's own Prometheus metrics (queue depths), over HTTPS.
RABBIT_METRICS_PORT=${SOPZ_LOCAL_RABBIT_METRICS_PORT:-15691}
RABBIT_BIN=/usr/lib/rabbitmq/bin

# The TLS policy of every hop (as Sources/Shared/Infrastructure/TLSPolicy.swift): on TLS 1.2 only
# forward-secret AEAD suites, on TLS 1.3 only the standard GCM and ChaCha20 ones (no CCM).
TLS12_CIPHERS=(ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305
  ECDHE-RSA-CHACHA20-POLY1305 ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-RSA-AES128-GCM-SHA256)
TLS13_CIPHERS=(TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_GCM_SHA256)

log() { printf '\033[1;34m[sopz]\033[0m %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Installs the Debian packages that are missing (and only those): the system's, and any named.
install_packages() {
  local wanted=(rabbitmq-server postgresql librabbitmq-dev libssl-dev libpq-dev openssl pkg-config python3 python3-venv
    shellcheck prometheus "$@")
  local missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  command -v swift >/dev/null || { log "Swift 6.3 is required (expected in /opt/swift/usr/bin)"; exit 1; }
}

# Makes a local CA and a server certificate once; every hop (HTTPS, AMQPS, PostgreSQL) uses them.
# ECDSA P-256: a server signs a handshake about ten times faster than with RSA-2048, which counts
# when 1,000 clients connect at once. (Older RSA ones from an earlier checkout are replaced.)
make_certificates() {
  mkdir -p "$TLS" "$SECRETS" "$LOGS" "$PIDS"
  chmod 755 "$STATE"
  if [ -f "$TLS/server.pem" ] && openssl x509 -in "$TLS/server.pem" -noout -text | grep -q id-ecPublicKey; then
    return 0
  fi
  log "creating a local CA and a server certificate in .state/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj "/CN=Sopz local CA" \
    -keyout "$TLS/ca.key" -out "$TLS/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
    -keyout "$TLS/server.key" -out "$TLS/server.csr" 2>/dev/null
  openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" -CAcreateserial \
    -days 825 -out "$TLS/server.pem" \
    -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n') 2>/dev/null
  rm -f "$TLS/server.csr"
  chmod 600 "$TLS/ca.key" "$TLS/server.key"
}

secret() { # secret NAME -> prints a generated password, the same every time
  local file="$SECRETS/$1"
  [ -f "$file" ] || { openssl rand -hex 24 >"$file"; chmod 600 "$file"; }
  cat "$file"
}

# Runs a RabbitMQ script as the rabbitmq user with every path pointing into .state/rabbitmq
# (the /usr/sbin wrappers would reset HOME and use /var/lib/rabbitmq).
as_rabbit() {
  local dir="$STATE/rabbitmq" tool=$1
  shift
  as_root runuser -u rabbitmq -- env HOME="$dir" RABBITMQ_NODENAME=rabbit@localhost \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" RABBITMQ_MNESIA_BASE="$dir/mnesia" \
    RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/rabbit.pid" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    "$RABBIT_BIN/$tool" "$@"
}

rabbitmqctl_() { as_rabbit rabbitmqctl "$@"; }

rabbit_running() { rabbitmqctl_ -q status >/dev/null 2>&1; }

start_rabbitmq() {
  local dir="$STATE/rabbitmq" config n=0 cipher
  mkdir -p "$dir/tls"
  cp "$TLS/ca.pem" "$TLS/server.pem" "$TLS/server.key" "$dir/tls/"
  config=$(
    cat <<EOF
listeners.tcp = none
listeners.ssl.local = 127.0.0.1:$AMQPS_PORT
ssl_options.cacertfile = $dir/tls/ca.pem
ssl_options.certfile = $dir/tls/server.pem
ssl_options.keyfile = $dir/tls/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
ssl_options.versions.1 = tlsv1.3
ssl_options.versions.2 = tlsv1.2
ssl_options.honor_cipher_order = true
ssl_options.honor_ecc_order = true
distribution.listener.interface = 127.0.0.1
log.console = false
log.file.level = warning
prometheus.return_per_object_metrics = true
prometheus.ssl.ip = 127.0.0.1
prometheus.ssl.port = $RABBIT_METRICS_PORT
prometheus.ssl.cacertfile = $dir/tls/ca.pem
prometheus.ssl.certfile = $dir/tls/server.pem
prometheus.ssl.keyfile = $dir/tls/server.key
prometheus.ssl.versions.1 = tlsv1.3
prometheus.ssl.versions.2 = tlsv1.2
prometheus.ssl.honor_cipher_order = true
EOF
    for cipher in "${TLS13_CIPHERS[@]}" "${TLS12_CIPHERS[@]}"; do
      n=$((n + 1))
      echo "ssl_options.ciphers.$n = $cipher"
      echo "prometheus.ssl.ciphers.$n = $cipher"
    done
  )
  # A running broker reads its configuration only when it starts: restart it when that changed.
  if rabbit_running && [ "$config" != "$(cat "$dir/rabbitmq.conf" 2>/dev/null)" ]; then
    log "restarting RabbitMQ (its configuration changed)"
    rabbitmqctl_ -q stop >/dev/null 2>&1 || true
  fi
  printf '%s\n' "$config" >"$dir/rabbitmq.conf"
  echo "[rabbitmq_prometheus]." >"$dir/enabled_plugins"
  as_root chown -R rabbitmq:rabbitmq "$dir"
  if rabbit_running; then return 0; fi
  log "starting RabbitMQ (AMQPS on 127.0.0.1:$AMQPS_PORT)"
  as_rabbit rabbitmq-server -detached >/dev/null 2>&1
  rabbitmqctl_ -q wait --timeout 120 "$dir/rabbit.pid" >/dev/null
  for _ in $(seq 1 60); do rabbit_running && break; sleep 1; done
}

# ensure_rabbit_vhost VHOST USER PASSWORD
ensure_rabbit_vhost() {
  local marker
  marker="$STATE/rabbitmq/provisioned-$1-$(printf '%s' "$2:$3" | sha256sum | cut -c1-16)"
  [ -f "$marker" ] && return 0
  rabbitmqctl_ -q add_vhost "$1" >/dev/null 2>&1 || true
  rabbitmqctl_ -q add_user "$2" "$3" >/dev/null 2>&1 || rabbitmqctl_ -q change_password "$2" "$3" >/dev/null
  rabbitmqctl_ -q set_permissions -p "$1" "$2" '.*' '.*' '.*' >/dev/null
  touch "$marker"
}

stop_rabbitmq() {
  if rabbit_running; then log "stopping RabbitMQ"; rabbitmqctl_ -q stop >/dev/null 2>&1 || true; fi
}

pg() { as_root runuser -u postgres -- "$@"; }

# The folder of PostgreSQL's server programs (initdb, pg_ctl): the version the cluster in
# .state/postgres was made with, else the newest installed (Debian 12's package brings 15).
pg_bin() {
  local version
  version=$(cat "$STATE/postgres/data/PG_VERSION" 2>/dev/null || true)
  if [ -n "$version" ] && [ -x "/usr/lib/postgresql/$version/bin/pg_ctl" ]; then
    echo "/usr/lib/postgresql/$version/bin"
    return
  fi
  local newest
  newest=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
  [ -n "$newest" ] || { log "no PostgreSQL server programs under /usr/lib/postgresql"; return 1; }
  dirname "$newest"
}

# The two clusters: `write` (the write model, the command log, the event store, the outbox) and
# `read` (the read model the projector builds), each in its own folder and on its own port.
pg_dir() { if [ "${1:-write}" = read ]; then echo "$STATE/postgres-read"; else echo "$STATE/postgres"; fi; }
pg_port() { if [ "${1:-write}" = read ]; then echo "$READ_PG_PORT"; else echo "$PG_PORT"; fi; }

# pg_ctl_ [write|read] ARGS...
pg_ctl_() {
  local cluster=write
  case "${1:-}" in write | read) cluster=$1; shift ;; esac
  pg "$(pg_bin)/pg_ctl" -D "$(pg_dir "$cluster")/data" "$@"
}

pg_running() { [ -d "$(pg_dir "${1:-write}")/data" ] && pg_ctl_ "${1:-write}" status >/dev/null 2>&1; }

# start_postgres [write|read]
start_postgres() {
  local cluster=${1:-write} dir port
  dir=$(pg_dir "$cluster")
  port=$(pg_port "$cluster")
  mkdir -p "$dir"
  as_root chown postgres:postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "initialising PostgreSQL ($cluster) in ${dir#"$ROOT"/}"
    pg "$(pg_bin)/initdb" -D "$dir/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  fi
  mkdir -p "$dir/run"
  cp "$TLS/server.pem" "$TLS/server.key" "$TLS/ca.pem" "$dir/"
  as_root chown -R postgres:postgres "$dir"
  as_root chmod 600 "$dir/server.key"
  cat >"$dir/sopz.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
ssl = on
ssl_cert_file = '$dir/server.pem'
ssl_key_file = '$dir/server.key'
ssl_min_protocol_version = 'TLSv1.2'
ssl_ciphers = '$(IFS=:; echo "${TLS12_CIPHERS[*]}")'
ssl_prefer_server_ciphers = on
max_connections = 300
shared_buffers = 256MB
synchronous_commit = on
# A query whose client is gone ends within a second instead of running on: a long transaction
# holds back vacuum, and the projector waits for every transaction older than its next events.
client_connection_check_interval = '1s'
EOF
  grep -q "include = '$dir/sopz.conf'" "$dir/data/postgresql.conf" ||
    echo "include = '$dir/sopz.conf'" >>"$dir/data/postgresql.conf"
  printf 'local all postgres peer\nhostssl all all 127.0.0.1/32 scram-sha-256\n' >"$dir/data/pg_hba.conf"
  as_root chown -R postgres:postgres "$dir"
  if pg_running "$cluster"; then
    pg_ctl_ "$cluster" reload >/dev/null # TLS settings and pg_hba.conf apply on reload
  else
    log "starting PostgreSQL ($cluster, TLS on 127.0.0.1:$port)"
    pg_ctl_ "$cluster" -l "$dir/postgres.log" -w -t 60 start >/dev/null
  fi
}

# psql_admin [--read] ARGS...: psql as the superuser on the write cluster (or the read one).
psql_admin() {
  local cluster=write
  [ "${1:-}" = --read ] && { cluster="read"; shift; }
  pg psql -h "$(pg_dir "$cluster")/run" -p "$(pg_port "$cluster")" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

# ensure_database NAME USER PASSWORD [--read]
ensure_database() {
  local on=()
  [ "${4:-}" = --read ] && on=(--read)
  psql_admin "${on[@]}" -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$2') THEN CREATE ROLE \"$2\" LOGIN; END IF; END\$\$;" >/dev/null
  psql_admin "${on[@]}" -c "ALTER ROLE \"$2\" PASSWORD '$3'" >/dev/null
  if [ -z "$(psql_admin "${on[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$1'")" ]; then
    psql_admin "${on[@]}" -c "CREATE DATABASE \"$1\" OWNER \"$2\"" >/dev/null
  fi
}

stop_postgres() {
  local cluster
  for cluster in read write; do
    if pg_running "$cluster"; then log "stopping PostgreSQL ($cluster)"; pg_ctl_ "$cluster" -m fast -w stop >/dev/null || true; fi
  done
}

# write_env NAME VHOST DATABASE: the SOPZ_* settings for one environment (run or test).
write_env() {
  local rabbit_password pg_password
  rabbit_password=$(secret rabbitmq-sopz)
  pg_password=$(secret postgres-sopz)
  ensure_rabbit_vhost "$2" sopz "$rabbit_password"
  ensure_database "$3" sopz "$pg_password"
  ensure_database "$3" sopz "$pg_password" --read
  cat >"$STATE/$1.env" <<EOF
export SOPZ_AMQP_URL='amqps://sopz:$rabbit_password@localhost:$AMQPS_PORT/$2'
export SOPZ_DATABASE_URL='postgres://sopz:$pg_password@localhost:$PG_PORT/$3?sslmode=verify-full'
export SOPZ_READ_DATABASE_URL='postgres://sopz:$pg_password@localhost:$READ_PG_PORT/$3?sslmode=verify-full'
export SOPZ_TLS_CA='$TLS/ca.pem'
export SOPZ_TLS_CERT='$TLS/server.pem'
export SOPZ_TLS_KEY='$TLS/server.key'
EOF
  chmod 600 "$STATE/$1.env"
}

# The test tools from PyPI (scripts/testing/requirements.txt) in the git-ignored .venv; installed
# again only when the requirements change.
prepare_test_tools() {
  local venv="$ROOT/.venv" requirements="$ROOT/scripts/testing/requirements.txt" marker
  install_packages chromium chromium-driver # the web interface's tests drive a real Chromium
  marker="$venv/installed-$(sha256sum "$requirements" | cut -c1-16)"
  [ -f "$marker" ] && return 0
  log "installing the test tools (PyPI) into .venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  touch "$marker"
}

# build CONFIGURATION SCRATCH: swift build, its output in .state/logs/build.log; on failure the
# end of it is shown (a compile error must never look like a silent exit).
build() {
  log "building ($1)"
  if ! (cd "$ROOT" && swift build -c "$1" --scratch-path "$2" >"$LOGS/build.log" 2>&1); then
    grep -E 'error:' "$LOGS/build.log" | head -n 20 >&2 || true
    tail -n 20 "$LOGS/build.log" >&2
    log "the build failed; the whole output is in .state/logs/build.log"
    return 1
  fi
}

# start_prometheus NAME PORT INGRESS DISPATCHER NOTIFIER PROJECTOR [INTERVAL]: a Prometheus of its
# own in .state/prometheus-NAME, serving HTTPS on 127.0.0.1:PORT, scraping the four Sopz processes
# at those ports and RabbitMQ's plugin over HTTPS every INTERVAL (default 5s), with the rules of
# k8s/monitoring/rules.yaml evaluated as often. Restarted when it was running.
start_prometheus() {
  local dir="$STATE/prometheus-$1" port=$2 interval=${7:-5s} job target
  stop_prometheus "$1"
  mkdir -p "$dir/data"
  # TLS 1.3's suites are Go's fixed AEAD three; on TLS 1.2 the policy's (Go's names for them).
  cat >"$dir/web.yml" <<EOF
tls_server_config:
  cert_file: $TLS/server.pem
  key_file: $TLS/server.key
  min_version: TLS12
  cipher_suites:
    - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    - TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    - TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
EOF
  {
    cat <<EOF
global:
  scrape_interval: $interval
  evaluation_interval: $interval
rule_files:
  - $ROOT/k8s/monitoring/rules.yaml
scrape_configs:
EOF
    for target in "sopz-ingress localhost:$3" "sopz-dispatcher localhost:$4" "sopz-notifier localhost:$5" \
      "sopz-projector localhost:$6" "rabbitmq localhost:$RABBIT_METRICS_PORT"; do
      job=${target% *}
      cat <<EOF
  - job_name: $job
    scheme: https
    tls_config: { ca_file: $TLS/ca.pem }
    static_configs: [{ targets: ["${target#* }"] }]
EOF
    done
  } >"$dir/prometheus.yml"
  log "starting Prometheus (HTTPS on 127.0.0.1:$port)"
  nohup prometheus --config.file="$dir/prometheus.yml" --web.config.file="$dir/web.yml" \
    --web.listen-address="127.0.0.1:$port" --storage.tsdb.path="$dir/data" --storage.tsdb.retention.time=2d \
    >>"$LOGS/prometheus-$1.log" 2>&1 &
  echo $! >"$dir/pid"
  for _ in $(seq 1 60); do
    curl -fsS --cacert "$TLS/ca.pem" "https://localhost:$port/-/ready" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  log "Prometheus did not become ready; see .state/logs/prometheus-$1.log"
  return 1
}

# stop_prometheus NAME
stop_prometheus() {
  local pidfile="$STATE/prometheus-$1/pid" pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
}

# Installs, makes certificates and starts both servers; idempotent.
prepare_servers() {
  install_packages
  make_certificates
  start_rabbitmq
  start_postgres write
  start_postgres read
}

# Stops the Sopz processes started by scripts/run (SIGTERM, then SIGKILL after 30 s).
stop_sopz_processes() {
  local pidfile pid
  for pidfile in "$PIDS"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}
