"""Per-address limits on sign-in, password reset and invitations, counted in one SQLite file by
every worker: the storage on real files, real processes sharing it, and a small Flask app."""

import multiprocessing
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from limits import parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import STRATEGIES

from tracker import errors, rate_limiting
from tracker.rate_limiting import limit_password_reset, limit_sign_in
from tracker.rate_limiting.sqlite_storage import SQLiteStorage, database_path
from tracker.security import UnsafeSettings

ADDRESS = "192.0.2.10"
# Long enough that a run never crosses the turn of a sliding window's day.
HUNDRED_A_DAY = "100 per day"
SPAWN = multiprocessing.get_context("spawn")


def storage_in(folder: Path, **options) -> SQLiteStorage:
    return SQLiteStorage(f"sqlite:///{folder / 'limits.db'}", **options)


def rows(path: Path, table: str) -> list[str]:
    """The keys in `table`, read through a connection of the test's own."""
    connection = sqlite3.connect(path)
    try:
        return sorted(key for (key,) in connection.execute(f"SELECT key FROM {table}"))  # noqa: S608
    finally:
        connection.close()


# The storage on real files


def test_the_file_and_its_folder_are_made_readable_by_their_owner_only(tmp_path):
    storage = storage_in(tmp_path / "new-folder")
    storage.incr("key", 60)

    for path in (storage.path, storage.path.with_name("limits.db-wal")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_uri_names_an_absolute_or_a_relative_file(tmp_path, monkeypatch):
    assert database_path("sqlite:////var/lib/tracker/limits.db") == Path(
        "/var/lib/tracker/limits.db"
    )
    assert database_path("sqlite:///limits.db") == Path("limits.db")
    assert database_path("sqlite:////srv/a%23b/limits.db?timeout=1") == Path("/srv/a#b/limits.db")

    monkeypatch.chdir(tmp_path)
    storage = storage_from_string("sqlite:///relative.db?timeout=2")
    assert isinstance(storage, SQLiteStorage)
    assert storage.timeout == 2
    assert (tmp_path / "relative.db").exists()


@pytest.mark.parametrize("uri", ["sqlite://", "sqlite:///:memory:", "sqlite://host/limits.db"])
def test_a_uri_without_a_file_every_worker_can_open_is_refused(uri):
    with pytest.raises(ConfigurationError):
        SQLiteStorage(uri)


def test_a_fixed_window_counts_hits_until_it_ends(tmp_path):
    storage = storage_in(tmp_path)
    started = time.time()

    assert storage.incr("key", 0.3) == 1
    assert storage.incr("key", 0.3, amount=2) == 3
    assert storage.get("key") == 3
    assert storage.get("other") == 0
    assert started + 0.3 <= storage.get_expiry("key") <= time.time() + 0.3

    time.sleep(0.35)
    assert storage.get("key") == 0
    assert storage.incr("key", 0.3) == 1, "a new window starts from the next hit"


def test_clear_forgets_one_key_and_reset_forgets_them_all(tmp_path):
    storage = storage_in(tmp_path)
    storage.incr("first", 60)
    storage.incr("second", 60)
    storage.acquire_entry("third", 5, 60)

    storage.clear("first")
    assert (storage.get("first"), storage.get("second")) == (0, 1)

    assert storage.reset() == 2
    assert storage.get("second") == 0
    assert storage.get_moving_window("third", 5, 60)[1] == 0
    assert storage.check()


def test_a_moving_window_counts_the_hits_of_the_last_window(tmp_path):
    storage = storage_in(tmp_path)
    first = time.time()

    assert [storage.acquire_entry("key", 3, 0.4) for _ in range(4)] == [True, True, True, False]
    oldest, in_window = storage.get_moving_window("key", 3, 0.4)
    assert first <= oldest <= time.time()
    assert in_window == 3
    assert not storage.acquire_entry("key", 3, 0.4, amount=4), "more than the limit at once"

    time.sleep(0.45)
    assert storage.get_moving_window("key", 3, 0.4)[1] == 0
    assert storage.acquire_entry("key", 3, 0.4)


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_each_strategy_refuses_the_hit_after_the_limit_until_cleared(tmp_path, strategy):
    limiter = STRATEGIES[strategy](storage_in(tmp_path))
    limit = parse("3 per minute")

    assert [limiter.hit(limit, ADDRESS) for _ in range(4)] == [True, True, True, False]
    assert not limiter.test(limit, ADDRESS)
    assert limiter.hit(limit, "198.51.100.7"), "another address has its own count"
    stats = limiter.get_window_stats(limit, ADDRESS)
    assert stats.remaining == 0
    assert time.time() < stats.reset_time <= time.time() + 61

    limiter.clear(limit, ADDRESS)
    assert limiter.hit(limit, ADDRESS)


def test_expired_rows_are_deleted_by_a_later_write(tmp_path):
    storage = storage_in(tmp_path, prune_interval=0)
    storage.incr("old-counter", 0.2)
    storage.acquire_entry("old-entry", 5, 0.2)

    time.sleep(0.25)
    storage.incr("new-counter", 60)

    assert rows(storage.path, "counters") == ["new-counter"]
    assert rows(storage.path, "window_entries") == []


def test_expired_rows_are_deleted_at_most_once_an_interval_unless_asked(tmp_path):
    storage = storage_in(tmp_path, prune_interval=60)
    storage.incr("old-counter", 0.2)
    storage.acquire_entry("old-entry", 5, 0.2)

    time.sleep(0.25)
    storage.incr("new-counter", 60)
    assert rows(storage.path, "counters") == ["new-counter", "old-counter"]

    assert storage.prune_expired() == 2
    assert rows(storage.path, "counters") == ["new-counter"]
    assert rows(storage.path, "window_entries") == []


def test_threads_of_one_worker_share_a_storage_and_never_overcount(tmp_path):
    storage = storage_in(tmp_path)
    limiter = STRATEGIES["moving-window"](storage)
    limit = parse("50 per day")
    accepted = []

    def hit_25_times():
        accepted.append(sum(limiter.hit(limit, ADDRESS) for _ in range(25)))

    threads = [threading.Thread(target=hit_25_times) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(accepted) == 50


# Real processes


def _hit_50_times_each_strategy(uri: str, start_together, results) -> None:
    storage = storage_from_string(uri)
    limit = parse(HUNDRED_A_DAY)
    accepted = {}
    for strategy in sorted(STRATEGIES):
        limiter = STRATEGIES[strategy](storage)
        start_together.wait()
        accepted[strategy] = sum(limiter.hit(limit, ADDRESS, strategy) for _ in range(50))
    results.put(accepted)


def test_four_worker_processes_hitting_at_once_let_exactly_the_limit_through(tmp_path):
    uri = f"sqlite:///{tmp_path / 'limits.db'}"
    start_together = SPAWN.Barrier(4)
    results = SPAWN.Queue()
    workers = [
        SPAWN.Process(target=_hit_50_times_each_strategy, args=(uri, start_together, results))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    accepted = [results.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)

    for strategy in STRATEGIES:
        assert sum(counts[strategy] for counts in accepted) == 100, (strategy, accepted)


# The limits on a Flask app

ERROR_PAGE = "<h1>{{ title }}</h1><p>{{ advice }}</p>"


def make_app(folder: Path, **settings) -> Flask:
    """A small app with a sign-in and a password-reset form, using the tracker's error pages."""
    templates = folder / "templates"
    (templates / "errors").mkdir(parents=True, exist_ok=True)
    (templates / "errors" / "error.html").write_text(ERROR_PAGE)
    app = Flask(__name__, template_folder=str(templates))
    app.config.update(
        DATABASE=str(folder / "tracker.db"), RATE_LIMIT_SIGN_IN="3 per minute", TESTING=True
    )
    app.config.update(settings)
    errors.init_app(app)
    rate_limiting.init_app(app)

    @app.route("/sign-in", methods=["GET", "POST"])
    @limit_sign_in
    def sign_in():
        return "Sign in"

    @app.route("/reset-password", methods=["POST"])
    @limit_password_reset
    def reset_password():
        return "Check your email"

    return app


def sign_in_statuses(app: Flask, times: int, address: str = ADDRESS) -> list[int]:
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    return [client.post("/sign-in", environ_base=environ).status_code for _ in range(times)]


def test_the_fourth_sign_in_from_an_address_is_refused_with_when_to_try_again(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    environ = {"REMOTE_ADDR": ADDRESS}

    assert [client.post("/sign-in", environ_base=environ).status_code for _ in range(3)] == [
        200,
        200,
        200,
    ]
    refused = client.post("/sign-in", environ_base=environ)

    assert refused.status_code == 429
    assert "<h1>Too many requests</h1>" in refused.get_data(as_text=True)
    assert 1 <= int(refused.headers["Retry-After"]) <= 61


def test_other_addresses_forms_and_the_sign_in_page_itself_are_not_held_up(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    environ = {"REMOTE_ADDR": ADDRESS}
    assert sign_in_statuses(app, 4) == [200, 200, 200, 429]

    assert sign_in_statuses(app, 1, address="10.0.0.2") == [200]
    assert client.get("/sign-in", environ_base=environ).status_code == 200
    assert client.post("/reset-password", environ_base=environ).status_code == 200


def test_password_resets_have_their_own_lower_limit(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()

    statuses = [client.post("/reset-password").status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]
    assert sign_in_statuses(app, 1, address="127.0.0.1") == [200]


def test_counts_are_kept_beside_the_database_unless_a_storage_is_given(tmp_path):
    make_app(tmp_path)
    default = tmp_path / "rate-limits.db"
    assert stat.S_IMODE(default.stat().st_mode) == 0o600

    given = tmp_path / "elsewhere" / "limits.db"
    app = make_app(tmp_path, RATE_LIMIT_STORAGE=f"sqlite:///{given}")
    sign_in_statuses(app, 1)
    assert rows(given, "window_entries")


def test_limits_can_be_turned_off(tmp_path):
    app = make_app(tmp_path, RATE_LIMIT_ENABLED=False)

    assert sign_in_statuses(app, 5) == [200] * 5
    assert not (tmp_path / "rate-limits.db").exists()


def test_turning_limits_off_in_one_app_leaves_another_apps_limits_on(tmp_path):
    limited = make_app(tmp_path / "on")
    unlimited = make_app(tmp_path / "off", RATE_LIMIT_ENABLED=False)

    assert sign_in_statuses(unlimited, 5) == [200] * 5
    assert sign_in_statuses(limited, 4) == [200, 200, 200, 429]


def test_an_app_with_a_limit_it_cannot_read_does_not_start(tmp_path):
    with pytest.raises(UnsafeSettings, match="RATE_LIMIT_SIGN_IN"):
        make_app(tmp_path, RATE_LIMIT_SIGN_IN="three a minute")


def _sign_in_from_another_worker(folder: str, times: int, settings: dict, results) -> None:
    results.put(sign_in_statuses(make_app(Path(folder), **settings), times))


def in_another_process(folder: Path, times: int, **settings) -> list[int]:
    """Sign in `times` times through an app made in a process of its own, as a worker is."""
    results = SPAWN.Queue()
    worker = SPAWN.Process(
        target=_sign_in_from_another_worker, args=(str(folder), times, settings, results)
    )
    worker.start()
    statuses = results.get(timeout=30)
    worker.join(timeout=10)
    return statuses


def test_apps_in_two_worker_processes_share_one_count(tmp_path):
    app = make_app(tmp_path)

    assert in_another_process(tmp_path, 2) == [200, 200]
    assert sign_in_statuses(app, 2) == [200, 429]


def test_a_worker_that_cannot_use_the_file_keeps_limiting_on_its_own(tmp_path):
    uri = f"sqlite:///{tmp_path / 'limits.db'}"
    SQLiteStorage(uri)
    lock_holder = sqlite3.connect(tmp_path / "limits.db", isolation_level=None)
    lock_holder.execute("BEGIN IMMEDIATE")
    try:
        statuses = in_another_process(tmp_path, 4, RATE_LIMIT_STORAGE=f"{uri}?timeout=0.2")
    finally:
        lock_holder.execute("ROLLBACK")
        lock_holder.close()

    assert statuses == [200, 200, 200, 429]


def test_a_database_in_memory_keeps_its_counts_in_memory_not_in_a_file_where_it_runs(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    from tracker import create_app

    app = create_app({"DATABASE": ":memory:", "SECRET_KEY": "x", "TESTING": True})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert list(tmp_path.iterdir()) == []
