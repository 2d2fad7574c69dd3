"""The notification email outbox: whether an email is owed, when it was handed over,
and a partial index of the emails still owed (for the drain).

The index is built CONCURRENTLY on PostgreSQL (the migration is not atomic), so
the decisions that write notifications meanwhile are not held up by it.
"""

from django.conf import settings
from django.db import migrations, models

INDEX = "notification_email_owed"
CREATE = (
    "CREATE INDEX {concurrently} IF NOT EXISTS notification_email_owed "
    "ON notifications_notification (created_at) "
    "WHERE email_wanted AND emailed_at IS NULL"
)


def _index(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(CREATE.format(concurrently="CONCURRENTLY" if postgres else ""))


def _drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("notifications", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="email_enqueued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="email enqueued at"),
        ),
        migrations.AddField(
            model_name="notification",
            name="email_wanted",
            field=models.BooleanField(default=False, verbose_name="email wanted"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="notification",
                    index=models.Index(
                        condition=models.Q(("email_wanted", True), ("emailed_at__isnull", True)),
                        fields=["created_at"],
                        name=INDEX,
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(_index, _drop_index)],
        ),
    ]
