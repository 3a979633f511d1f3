-- Privileges of the portal's application role (docs/DATABASE.md). Run by the OWNER role (the one that ran
-- `manage.py migrate` and owns every table), in the portal's database, after each deploy's migrations:
--
--   psql "postgres://renewal_owner@db/renewal" -v app_role=renewal_app -f scripts/db_app_role.sql
--
-- The application role gets data privileges only: no TRUNCATE, no REFERENCES/TRIGGER, no ownership, so it
-- cannot ALTER TABLE … DISABLE TRIGGER, drop the audit trail's triggers or truncate any table. UPDATE and
-- DELETE on renewal_auditevent are refused by the table's own triggers (renewal migrations 0002 and 0007).
-- tests/renewal/test_audit_database.py runs this very file against a throw-away role on PostgreSQL.

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE :"DBNAME" TO :"app_role";
GRANT USAGE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";
-- Tables and sequences that later migrations create (run by this same owner role) get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";
