"""Allocation.external_id: unique, added without blocking the allocations table.

On PostgreSQL a plain ``AddField(unique=True)`` holds an ACCESS EXCLUSIVE lock
on the table while it builds the unique index (and a second, LIKE index),
which on a large ledger stops every payment application for that long. Here
the nullable column is added alone (a catalogue change), the unique index is
built CONCURRENTLY (outside a transaction: the migration is not atomic) and
then attached as the column's unique constraint, which is again a catalogue
change. The model's state is the same as the plain AddField's.
"""

from django.db import migrations, models

TABLE = "receivables_allocation"
INDEX = "receivables_allocation_external_id_uniq"
CONSTRAINT = "receivables_allocation_external_id_key"


def _unique(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON {TABLE} (external_id)"
        )
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {CONSTRAINT} UNIQUE USING INDEX {INDEX}"
        )
    else:
        schema_editor.execute(f"CREATE UNIQUE INDEX {CONSTRAINT} ON {TABLE} (external_id)")


def _not_unique(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {CONSTRAINT}")
    else:
        schema_editor.execute(f"DROP INDEX IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("receivables", "0017_dunning_notice_cancelled"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="allocation",
                    name="external_id",
                    field=models.CharField(
                        blank=True, max_length=64, null=True, unique=True, verbose_name="external id"
                    ),
                ),
            ],
            database_operations=[
                migrations.AddField(
                    model_name="allocation",
                    name="external_id",
                    field=models.CharField(
                        blank=True, max_length=64, null=True, verbose_name="external id"
                    ),
                ),
                migrations.RunPython(_unique, _not_unique),
            ],
        ),
    ]
