#!/usr/bin/env bash
# Make a real PostgreSQL server available for the tests and print its SQLAlchemy URL.
# Installs Debian's postgresql when missing (needs root, as on CI and the dev machines), starts the
# cluster on 127.0.0.1 and creates a throw-away role and database. Idempotent.
set -euo pipefail
log() { echo "test-postgres: $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  log "installing postgresql"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
  pg_createcluster "$version" main >&2
fi
cluster=$(pg_lsclusters -h | head -n 1 | awk '{print $1" "$2}')
port=$(pg_lsclusters -h | head -n 1 | awk '{print $3}')
pg_ctlcluster $cluster start >&2 2>/dev/null || true
for _ in $(seq 1 30); do
  su postgres -c "psql -p $port -qAtc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -p $port -qAtc \"select 1 from pg_roles where rolname='bot_test'\"" | grep -q 1 ||
  su postgres -c "psql -p $port -qc \"create role bot_test login password 'bot_test' createdb\"" >&2
db=migrant_bot_test
su postgres -c "psql -p $port -qAtc \"select 1 from pg_database where datname='$db'\"" | grep -q 1 ||
  su postgres -c "createdb -p $port -O bot_test $db" >&2
echo "postgresql+psycopg://bot_test:bot_test@127.0.0.1:$port/$db"
