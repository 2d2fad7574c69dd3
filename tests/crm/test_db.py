"""Raw-SQL helpers of the hot paths build and store exactly what the ORM would."""

from datetime import date
from decimal import Decimal

import psycopg
import pytest
from django.db import connection

from credit.models import CreditCheck, CreditProfile
from crm.db import (
    binary_cursor,
    bulk_update_rows,
    insert_unless_exists,
    instance_from_row,
    prepared_cursor,
    select_columns,
)
from receivables.models import CustomerBalance
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


def test_an_instance_from_a_raw_row_equals_the_orms():
    # given a profile with a date, a decimal and a boolean (SQLite returns them as text/numbers)
    profile = CreditProfileFactory(
        credit_limit=Decimal("1234.50"),
        is_on_hold=True,
        hold_reason="late",
        limit_expires_on=date(2027, 1, 31),
    )

    # when it is read with the helper's columns
    sql = f"SELECT {select_columns(CreditProfile, 'p')} FROM {CreditProfile._meta.db_table} p"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} WHERE p.id = %s", [profile.pk])
        built = instance_from_row(CreditProfile, cursor.fetchone())

    # then every field has the ORM's value and type
    orm = CreditProfile.objects.get(pk=profile.pk)
    for name in [field.attname for field in CreditProfile._meta.concrete_fields]:
        assert getattr(built, name) == getattr(orm, name), name
        assert type(getattr(built, name)) is type(getattr(orm, name)), name
    assert not built._state.adding


def _check(profile, reference: str, amount: str = "10.00") -> CreditCheck:
    return CreditCheck(
        customer_id=profile.customer_id, order_reference=reference, order_amount=Decimal(amount),
        currency=profile.currency, result="pass", credit_limit=Decimal("100.00"),
        exposure=Decimal("0.00"), available_credit=Decimal("100.00"),
        reasons=[{"code": "over_limit", "message": "über"}],
    )  # fmt: skip


def test_insert_unless_exists_stores_once_and_leaves_the_first_row_alone():
    # given a profile
    profile = CreditProfileFactory()

    # when the same order reference is inserted twice, with another amount the second time
    first = _check(profile, "SO-1")
    stored = insert_unless_exists(first, unique_fields=["customer", "order_reference"])
    second = _check(profile, "SO-1", amount="99.00")
    again = insert_unless_exists(second, unique_fields=["customer", "order_reference"])

    # then the first call stored it with its defaults, the second changed nothing
    assert stored
    assert not again
    assert first.pk is not None
    assert second.pk is None
    row = CreditCheck.objects.get(pk=first.pk)
    assert row.order_amount == Decimal("10.00")
    assert row.reasons == [{"code": "over_limit", "message": "über"}]
    assert row.created_at is not None
    assert CreditCheck.objects.count() == 1


def test_without_returning_the_row_count_says_whether_it_was_stored(monkeypatch):
    # given a profile, and a database without INSERT … RETURNING (SQLite before 3.35)
    profile = CreditProfileFactory()
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)

    # when the same order reference is inserted twice
    first = _check(profile, "SO-9")
    stored = insert_unless_exists(first, unique_fields=["customer", "order_reference"])
    again = insert_unless_exists(
        _check(profile, "SO-9"), unique_fields=["customer", "order_reference"]
    )

    # then the first is stored with its id, the second is not
    assert stored
    assert not again
    assert CreditCheck.objects.get(order_reference="SO-9").pk == first.pk


@pytest.mark.postgres
def test_a_prepared_cursor_plans_its_statement_once_per_connection():
    # given the PostgreSQL connection with prepared statements on (the default)
    profile = CreditProfileFactory(credit_limit=Decimal("1234.50"))
    sql = f"SELECT {select_columns(CreditProfile, 'p')} FROM {CreditProfile._meta.db_table} p WHERE p.id = %s"  # noqa: S608
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] == 5

    # when the same statement runs twice through the prepared cursor
    rows = []
    for _ in range(2):
        with prepared_cursor() as cursor:
            cursor.execute(sql, [profile.pk])
            rows.append(cursor.fetchone())

    # then the server holds it as a prepared statement and both answers are the ORM's
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(f"FROM {CreditProfile._meta.db_table} p WHERE p.id = $1" in s for s in prepared)
    assert rows[0] == rows[1]
    assert instance_from_row(CreditProfile, rows[0]).credit_limit == Decimal("1234.50")


@pytest.mark.postgres
def test_without_prepared_statements_the_prepared_cursor_is_the_plain_one(monkeypatch):
    # given prepared statements switched off (DATABASE_PREPARED_STATEMENTS=false: no threshold)
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)

    # when a statement runs through the prepared cursor
    with prepared_cursor() as cursor:
        cursor.execute("SELECT 'plain-%s'", [41])
        value = cursor.fetchone()[0]
        raw = cursor.cursor

    # then it ran client-side bound, as every ORM query, and nothing was prepared
    assert value == "plain-41"
    assert isinstance(raw, psycopg.ClientCursor)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%plain-%"]
        )
        assert cursor.fetchone()[0] == 0


def test_while_queries_are_logged_the_prepared_cursor_logs_each_statement_with_its_values(
    django_assert_num_queries,
):
    # given a profile
    profile = CreditProfileFactory()

    # when it is read through the prepared cursor while queries are counted
    with django_assert_num_queries(1) as captured, prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT p.id FROM {CreditProfile._meta.db_table} p WHERE p.id = %s",  # noqa: S608
            [profile.pk],
        )
        found = cursor.fetchone()[0]

    # then it went through Django's cursor wrapper: counted, logged with the value
    assert found == profile.pk
    assert f"WHERE p.id = {profile.pk}" in captured.captured_queries[0]["sql"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_each_on_own_connection_runs_the_calls_on_threads_and_closes_their_connections():
    import threading

    from crm.db import each_on_own_connection

    # given calls that report their thread and their connection's backend
    def backend(item: int) -> tuple[int, str, int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return item * 10, threading.current_thread().name, cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own = cursor.fetchone()[0]

    # when
    results = dict(each_on_own_connection(backend, [1, 2, 3], workers=2, name="test-each"))

    # then every item was answered, off this thread and connection, and no thread is left
    assert {item: value for item, (value, _, _) in results.items()} == {1: 10, 2: 20, 3: 30}
    assert all(thread.startswith("test-each") for _, thread, _ in results.values())
    assert own not in {pid for _, _, pid in results.values()}
    assert not [t for t in threading.enumerate() if t.name.startswith("test-each")]
    pids = [pid for _, _, pid in results.values()]
    for _ in range(50):  # a closed backend leaves pg_stat_activity within moments
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
            if cursor.fetchone()[0] == 0:
                break
        threading.Event().wait(0.05)
    else:
        pytest.fail(f"the calls' connections {pids} are still open")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_each_on_own_connection_stops_at_the_first_error_and_starts_nothing_more():
    import threading

    from crm.db import each_on_own_connection

    started = []
    lock = threading.Lock()

    def failing_first(item: int) -> int:
        with lock:
            started.append(item)
        if item == 0:
            raise ValueError("item 0 is broken")
        threading.Event().wait(0.2)
        return item

    with pytest.raises(ValueError, match="item 0 is broken"):
        for _ in each_on_own_connection(failing_first, range(20), workers=2, name="test-stop"):
            pass
    assert len(started) < 20
    assert not [t for t in threading.enumerate() if t.name.startswith("test-stop")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_each_in_own_process_runs_the_calls_in_children_with_their_own_connections():
    import multiprocessing
    import os
    import signal
    import time

    from crm.db import each_in_own_process

    # given calls that report their process and their connection's backend, and that
    # receive Ctrl-C's signal on the way (the parent decides what it stops, not them)
    def backend(item: int) -> tuple[int, int, int]:
        os.kill(os.getpid(), signal.SIGINT)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return item * 10, os.getpid(), cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own = cursor.fetchone()[0]

    # when
    results = dict(each_in_own_process(backend, [1, 2, 3], workers=2, name="test-each"))

    # then every item was answered, in other processes on other connections (each closed
    # after its call), and no child is left; this process reconnects as it needs
    assert {item: value for item, (value, _, _) in results.items()} == {1: 10, 2: 20, 3: 30}
    assert os.getpid() not in {pid for _, pid, _ in results.values()}
    backends = [backend_pid for _, _, backend_pid in results.values()]
    assert own not in backends
    assert not multiprocessing.active_children()
    for _ in range(50):  # a closed backend leaves pg_stat_activity within moments
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [backends])
            if cursor.fetchone()[0] == 0:
                break
        time.sleep(0.05)
    else:
        pytest.fail(f"the calls' connections {backends} are still open")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_each_in_own_process_stops_at_the_first_error_and_starts_nothing_more():
    import multiprocessing
    import time

    from crm.db import each_in_own_process

    # given twenty calls, the first of which fails (the count shared with the children)
    started = multiprocessing.get_context("fork").Value("i", 0)

    def failing_first(item: int) -> int:
        with started.get_lock():
            started.value += 1
        if item == 0:
            raise ValueError("item 0 is broken")
        time.sleep(0.2)
        return item

    # when
    with pytest.raises(ValueError, match="item 0 is broken"):
        for _ in each_in_own_process(failing_first, range(20), workers=2, name="test-stop"):
            pass

    # then the error came through, the calls not handed out never started (one is handed
    # to a child only when it is free), and no child is left
    assert started.value <= 3
    assert not multiprocessing.active_children()


@pytest.mark.django_db(transaction=True)
def test_each_in_own_process_refuses_to_run_inside_a_transaction():
    from django.db import transaction

    from crm.db import each_in_own_process

    # given a transaction open on this connection, whose rows the children could not see;
    # when asked to fork, then it refuses
    with transaction.atomic(), pytest.raises(RuntimeError, match="inside a transaction"):
        list(each_in_own_process(str, [1], workers=1, name="test-atomic"))


def test_rows_updated_in_bulk_take_the_named_fields_only():
    # given three balance rows, two of them changed in memory (money, a date, a text, a total)
    rows = [
        CustomerBalance.objects.create(
            customer=CustomerFactory(), currency="USD", as_of=date(2026, 1, 1), edges="30"
        )
        for _ in range(3)
    ]
    for index, row in enumerate(rows[:2]):
        row.open_total = Decimal("2500.75") + index
        row.as_of = date(2027, 3, index + 1)
        row.edges = "30,60"
        row.overdue_total = Decimal("9.99")  # not written

    # when the first two are written back for three of those fields
    updated = bulk_update_rows(rows[:2], ["open_total", "as_of", "edges"])

    # then those fields are stored exactly, the others and the third row are untouched
    assert updated == 2
    stored = {row.pk: row for row in CustomerBalance.objects.all()}
    for index, row in enumerate(rows[:2]):
        assert stored[row.pk].open_total == Decimal("2500.75") + index
        assert stored[row.pk].as_of == date(2027, 3, index + 1)
        assert stored[row.pk].edges == "30,60"
        assert stored[row.pk].overdue_total == Decimal("0.00")
    assert (stored[rows[2].pk].open_total, stored[rows[2].pk].edges) == (Decimal("0.00"), "30")
    assert bulk_update_rows([], ["open_total"]) == 0


_BYTES_AND_NUMBER = (
    "SELECT int8send(CAST(%s AS BIGINT)) || float8send(CAST(0.5 AS DOUBLE PRECISION))"
)


@pytest.mark.postgres
def test_the_binary_cursor_reads_bytea_as_its_bytes_through_djangos_wrapper():
    # when a bytea is read through the binary cursor
    with binary_cursor() as cursor:
        cursor.execute(_BYTES_AND_NUMBER, [7])
        value = bytes(cursor.fetchone()[0])
        raw = cursor.cursor

    # then the bytes are the server's (big-endian 7, then 0.5), from a binary-format cursor
    assert value == (7).to_bytes(8, "big") + bytes.fromhex("3fe0000000000000")
    assert raw.format == psycopg.pq.Format.BINARY


@pytest.mark.postgres
def test_while_queries_are_logged_the_binary_cursor_is_the_plain_one_with_the_same_values(
    django_assert_num_queries,
):
    with django_assert_num_queries(1) as captured, binary_cursor() as cursor:
        cursor.execute(_BYTES_AND_NUMBER, [7])
        value = bytes(cursor.fetchone()[0])
    assert value == (7).to_bytes(8, "big") + bytes.fromhex("3fe0000000000000")
    assert "CAST(7 AS BIGINT)" in captured.captured_queries[0]["sql"]


def test_the_binary_cursor_is_the_plain_cursor_elsewhere():
    with binary_cursor() as cursor:
        cursor.execute("SELECT 1 + %s", [1])
        assert cursor.fetchone()[0] == 2
