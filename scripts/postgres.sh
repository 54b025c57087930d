# Sourced by ./dev: make sure a PostgreSQL server is available for the test suite.
#
# If CDPHUB_TEST_POSTGRES_URL is set, that server is used as it is. Otherwise cdphub runs its
# own throwaway cluster (installed from Debian packages if needed), listening on 127.0.0.1
# only, and exports CDPHUB_TEST_POSTGRES_URL pointing at it. The cluster lives under /tmp, not
# in the checkout: as root the server runs as the postgres user, who may not be able to
# reach a checkout inside a private home directory.

CDPHUB_PG_PORT="${CDPHUB_PG_PORT:-54329}"

ensure_postgres() {
  if [ -n "${CDPHUB_TEST_POSTGRES_URL:-}" ]; then
    say "Using PostgreSQL at CDPHUB_TEST_POSTGRES_URL"
    return 0
  fi
  local pgbin
  pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
    say "Installing PostgreSQL from Debian packages"
    apt_install postgresql
    pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  export CDPHUB_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$CDPHUB_PG_PORT/cdphub"
  if "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$CDPHUB_PG_PORT" 2>/dev/null; then
    say "Using the PostgreSQL server already running on 127.0.0.1:$CDPHUB_PG_PORT"
    return 0
  fi
  local base="${TMPDIR:-/tmp}/cdphub-postgres-$(id -u)-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
  local as_pg=()
  local data="$base/data" sock="$base/run"
  mkdir -p "$base" "$sock"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$base" --shell /usr/sbin/nologin postgres
    chown -R postgres: "$base"
    as_pg=(runuser -u postgres --)
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    say "Creating a throwaway PostgreSQL cluster in $base"
    (cd "$base" && "${as_pg[@]}" "$pgbin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
      --no-locale >"$base/initdb.log" 2>&1) || { cat "$base/initdb.log" >&2; return 1; }
  fi
  cd "$base"  # the postgres user may not be able to enter the checkout
  if ! "${as_pg[@]}" "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    say "Starting PostgreSQL on 127.0.0.1:$CDPHUB_PG_PORT"
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$data" -l "$base/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $CDPHUB_PG_PORT -k $sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null || { tail -n 20 "$base/server.log" >&2; cd "$ROOT"; return 1; }
  fi
  cd "$ROOT"
}
