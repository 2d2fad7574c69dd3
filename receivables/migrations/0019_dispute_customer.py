"""Each dispute keeps its invoice's customer (the nightly analytics count by it).

Added empty, filled from the invoices in one statement, then made required and
indexed with the opening date.
"""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE receivables_dispute
   SET customer_id = (
       SELECT i.customer_id FROM receivables_invoice i
        WHERE i.id = receivables_dispute.invoice_id
   )
"""


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0003_customer_risk_grade"),
        ("receivables", "0018_allocation_external_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="dispute",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="customers.customer",
                verbose_name="customer",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="dispute",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="customers.customer",
                verbose_name="customer",
            ),
        ),
        migrations.AddIndex(
            model_name="dispute",
            index=models.Index(fields=["customer", "opened_on"], name="dispute_customer_opened"),
        ),
    ]
