#!/usr/bin/env bash
# Start or stop the local AWS endpoint (moto + tests/moto_ext.py).
#
#   eval "$(tests/moto.sh start)"   # prints: export AWS_ENDPOINT_URL=http://127.0.0.1:PORT
#   tests/moto.sh stop
#   tests/moto.sh status
#
# MOTO_PORT picks the port; otherwise a free loopback port is chosen.
# State lives in target/: moto.port, moto.pid, moto.log.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="$ROOT/target"
PORT_FILE="$STATE_DIR/moto.port"
PID_FILE="$STATE_DIR/moto.pid"
LOG_FILE="$STATE_DIR/moto.log"
PYTHON="${PYTHON:-python3}"
START_TIMEOUT_S=15
STOP_TIMEOUT_S=5

log() { echo "moto.sh: $*" >&2; }

running_pid() {
    # Prints the recorded pid if that process is alive and is our server.
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    grep -q "moto_ext.py" "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

answers() {
    "$PYTHON" - "$1" <<'EOF'
import sys, urllib.request
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=1).read()
except Exception:
    sys.exit(1)
EOF
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    mkdir -p "$STATE_DIR"
    if pid="$(running_pid)" && [[ -f "$PORT_FILE" ]] && answers "$(cat "$PORT_FILE")"; then
        log "already running (pid $pid)"
        echo "export AWS_ENDPOINT_URL=http://127.0.0.1:$(cat "$PORT_FILE")"
        return 0
    fi
    local port="${MOTO_PORT:-$(free_port)}"
    # setsid: own process group, so stop can end the server and nothing else.
    setsid "$PYTHON" "$ROOT/tests/moto_ext.py" -H 127.0.0.1 -p "$port" \
        >>"$LOG_FILE" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$PID_FILE"
    local deadline=$((SECONDS + START_TIMEOUT_S))
    until answers "$port"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "server exited during start; see $LOG_FILE"
            tail -n 20 "$LOG_FILE" >&2 || true
            rm -f "$PID_FILE"
            return 1
        fi
        if ((SECONDS >= deadline)); then
            log "no answer on port $port after ${START_TIMEOUT_S}s; see $LOG_FILE"
            stop
            return 1
        fi
        sleep 0.2
    done
    echo "$port" >"$PORT_FILE"
    log "started pid $pid on port $port"
    echo "export AWS_ENDPOINT_URL=http://127.0.0.1:$port"
}

stop() {
    local pid
    if pid="$(running_pid)"; then
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + STOP_TIMEOUT_S))
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
        log "stopped pid $pid"
    else
        log "not running"
    fi
    rm -f "$PID_FILE" "$PORT_FILE"
}

status() {
    if pid="$(running_pid)" && [[ -f "$PORT_FILE" ]]; then
        echo "running pid $pid port $(cat "$PORT_FILE")"
    else
        echo "not running"
        return 1
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac
