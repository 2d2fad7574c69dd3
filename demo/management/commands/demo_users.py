"""``python manage.py demo_users``: one login per role, with known passwords."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm.exceptions import ApplicationError
from demo.services import demo_users_reset


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo logins clerk, credit, sales, finance, integrator and admin, "
        "each with password demo-<username>, and print them with the integrator's API token. "
        "Only for demo databases: refuses when DEBUG is off unless --force is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="create the logins even though DEBUG is off (never on a real site)",
        )

    def handle(self, *args, **options) -> None:
        try:
            result = demo_users_reset(force=options["force"])
        except ApplicationError as error:
            raise CommandError(error.message) from error
        rows = [("role", "username", "password", "")] + [
            (login.role, login.username, login.password, "created" if login.created else "reset")
            for login in result.logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write(
            "Demo logins (sign in at /accounts/login/ for the pages, /admin/ for the back office):"
        )
        for index, row in enumerate(rows):
            line = "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=False))
            self.stdout.write(f"  {line}  {row[3]}".rstrip())
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths))
        self.stdout.write(
            f"Integrator API token: {result.integrator_token}\n"
            f"  e.g. curl -H 'Authorization: Token {result.integrator_token}' "
            f"http://127.0.0.1:{os.environ.get('DEMO_PORT', '8000')}/api/v1/customers/"
        )
