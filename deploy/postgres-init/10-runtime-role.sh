#!/bin/sh
# Run once by the postgres image when it creates the database (docker-entrypoint-initdb.d).
# POSTGRES_USER (chuishao) owns the schema and runs migrations; the application connects as
# chuishao_app, which owns nothing and may only SELECT/INSERT the audit tables (config/db_roles.py;
# the grants are applied by `manage.py migrate --database owner` when DATABASE_RUNTIME_ROLE is set).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE chuishao_app LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE chuishao TO chuishao_app;
SQL
