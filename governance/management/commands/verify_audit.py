"""manage.py verify_audit: recompute the hash chains of the audit tables and report every broken link.

Exit status 0 when every chain is intact, 1 otherwise (for a cron job or a monitoring check). Prints
each chain's head hash with --heads, so an auditor can keep them elsewhere: a chain rewritten from
the start by someone with the owner's rights still differs from a head recorded before.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction

from config.db_roles import EVENT_TABLES, verify_chains


class Command(BaseCommand):
    help = "Verify the hash chains of the audit tables (case events, list events)."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")
        parser.add_argument("--heads", action="store_true", help="print the last hash of every chain")

    def handle(self, *args, database, heads, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("verify_audit needs PostgreSQL (the embedded SQLite mode keeps no hash chain).")
        broken = 0
        with transaction.atomic(using=database):
            for table in EVENT_TABLES:
                problems = list(verify_chains(connection, table))
                broken += len(problems)
                for chain, event_id, problem in problems:
                    self.stderr.write(f"{table}: chain {chain}, event {event_id}: {problem}")
                with connection.cursor() as cursor:
                    key = EVENT_TABLES[table][0]
                    cursor.execute(f"SELECT count(*), count(DISTINCT {key}) FROM {table}")  # noqa: S608 - constants
                    rows, chains = cursor.fetchone()
                    self.stdout.write(f"{table}: {rows} events in {chains} chains, {len(problems)} broken links")
                    if heads:
                        cursor.execute(
                            f"SELECT DISTINCT ON ({key}) {key}, id, hash FROM {table} ORDER BY {key}, id DESC"  # noqa: S608
                        )
                        for chain, event_id, digest in cursor.fetchall():
                            self.stdout.write(f"  head {table} {chain} #{event_id} {digest}")
        if broken:
            raise CommandError(f"{broken} broken links in the audit chains.", returncode=1)
        self.stdout.write(self.style.SUCCESS("Audit chains intact."))
