"""Shared fixtures: production homes on SQLite and PostgreSQL, and the example spec.

PostgreSQL tests skip with a reason on a machine without the server; ``.ci/run`` sets
``SHORTFILM_REQUIRE_SERVICES=1`` so that there a missing service fails the run instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from built_once import ENV_RUN, once, run_templates_pattern, shared_root, template_name

from shortfilm.media.render_cache import ENV_RENDER_CACHE
from shortfilm.providers.registry import ENV_ANIMATIC_CACHE

_ours: dict[str, str] = {}
"""Folders this run made for itself (not named by the caller's environment), removed at its end."""

PG_ADMIN_URL = os.environ.get(
    "SHORTFILM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


if os.environ.get("SHORTFILM_AUDIT_DATABASES"):
    pytest_plugins = ["database_audit"]


def pytest_configure(config: pytest.Config) -> None:
    """Give xdist's workers this process's run id (:mod:`built_once` names this run's shared
    templates with it, and the controller drops them by it at the end)."""
    import early

    _cheap_password_hashes()
    _blank_sqlite_homes()

    if not early.in_worker() and not os.environ.get(ENV_ANIMATIC_CACHE):
        # every home of the run draws its animatic takes into one folder (the demo on each
        # database, a test on SQLite and its twin on PostgreSQL ask for the same takes):
        # each is drawn once, as on a team's machine that names one (see providers.registry)
        _ours["animatic"] = tempfile.mkdtemp(prefix="shortfilm-test-animatic-")
        os.environ[ENV_ANIMATIC_CACHE] = _ours["animatic"]
    if not early.in_worker() and not os.environ.get(ENV_RENDER_CACHE):
        # likewise renders: a test on PostgreSQL renders the film its SQLite twin rendered
        # (same takes, same edit), and copies it (see media.render_cache); a test about the
        # encode itself unsets the variable
        _ours["render"] = tempfile.mkdtemp(prefix="shortfilm-test-render-")
        os.environ[ENV_RENDER_CACHE] = _ours["render"]
    if not early.in_worker() and hasattr(config.option, "testrunuid"):
        config.option.testrunuid = config.option.testrunuid or os.environ.setdefault(
            ENV_RUN, uuid.uuid4().hex
        )
        os.environ[ENV_RUN] = config.option.testrunuid


_real_hasher: list[Any] = []


def real_password_hasher() -> Any:
    """The hasher :mod:`shortfilm.team.accounts` uses outside the tests."""
    return _real_hasher[0]


def _cheap_password_hashes() -> None:
    """argon2's cheapest parameters for the users the tests make and log in (as Django's test
    settings swap in a fast hasher): at argon2-cffi's defaults (64 MiB, 3 passes) each hash or
    login costs ~0.1-0.3 CPU-s, and the suite makes hundreds. The hashing code is the same;
    ``test_accounts`` puts the real hasher back to check what a real install stores. A
    ``shortfilm serve`` started by a test re-hashes such a user at the defaults on login."""
    from argon2 import PasswordHasher, profiles

    from shortfilm.team import accounts

    _real_hasher.append(accounts._hasher)
    accounts._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    accounts._DUMMY_HASH = accounts._hasher.hash("not a password of anyone")


_blank_homes = [True]
"""Whether a new SQLite home starts as the migrated copy (:func:`_blank_sqlite_homes`)."""


@pytest.fixture
def real_migrations() -> Iterator[None]:
    """The test's new SQLite homes are migrated for real (a test of the migration itself)."""
    _blank_homes[0] = False
    yield
    _blank_homes[0] = True


def _blank_sqlite_homes() -> None:
    """A new SQLite home of this process starts as a copy of one migrated by the real
    migrations here, once, instead of running the 14 migrations again (0.25-0.4 CPU-s each,
    SQLite's table rebuilds most of it; hundreds of tests open a new home). The store still
    runs :func:`~shortfilm.store.db.migrate` on it, which finds it at head. Subprocesses, and
    every test of the migrations themselves (which start from an empty or older database),
    migrate for real."""
    import atexit

    from shortfilm.store import db, repo

    real = db.migrate
    blank: list[Path] = []
    lock = threading.Lock()

    def migrate(engine: Any) -> None:
        path = engine.url.database if engine.dialect.name == "sqlite" else None
        with lock:
            new = path and path != ":memory:" and Path(path).parent.is_dir()
            if new and _blank_homes[0] and not Path(path).exists():
                if not blank:
                    folder = Path(tempfile.mkdtemp(prefix="shortfilm-test-blank-"))
                    atexit.register(shutil.rmtree, folder, True)
                    made = db.make_engine(f"sqlite:///{folder / 'blank.db'}")
                    real(made)
                    made.dispose()  # the last connection checkpoints the WAL into the file
                    blank.append(folder / "blank.db")
                part = Path(f"{path}.{os.getpid()}.part")
                shutil.copyfile(blank[0], part)
                os.replace(part, path)  # whole or not there
        real(engine)

    repo.migrate = migrate  # type: ignore[assignment]


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Start the slow whole-command checks whose tests were selected (see tests/early.py)."""
    import early

    if early.in_worker():
        # a worker's checks start when its first test asks (see tests/early.py)
        items[:] = _longest_first(items)
        return
    if any(item.name == "test_mypy_strict_on_src" for item in items):
        early.start("mypy")
    demos = [item for item in items if "demo" in getattr(item, "fixturenames", ())]
    for kind in early.DEMO_KINDS:
        if any(
            getattr(item, "callspec", None) and item.callspec.params.get("demo") == kind
            for item in demos
        ):
            # no PostgreSQL here: the demo's fixture skips, or fails, with the reason
            with contextlib.suppress(pytest.skip.Exception, pytest.fail.Exception):
                early.start(f"demo:{kind}")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the cores (at most 4). Many tests wait (on a fake
    server's latency, a subprocess, PostgreSQL) while their core could run another test's
    Python or ffmpeg; a worker holds up to ~0.9 GB."""
    return min(4, (os.cpu_count() or 1) + 1)


def _longest_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """The files that wait on a whole command (the demo, mypy) first, then those that render
    media, then the rest, each in its own order. pytest-xdist hands files out in the order
    collected, so a long file given last would run alone on one core at the end: longest
    first keeps both cores busy to the end (the suite took 12.5 min in that order, with the
    demo's file last)."""

    def weight(item: pytest.Item) -> int:
        if "demo" in getattr(item, "fixturenames", ()) or item.name == "test_mypy_strict_on_src":
            return 0
        return 1 if item.get_closest_marker("media") else 2

    def file(item: pytest.Item) -> str:
        return item.nodeid.split("::")[0]

    order: dict[str, int] = {}
    for item in items:
        order[file(item)] = min(weight(item), order.get(file(item), 2))
    return sorted(items, key=lambda item: order[file(item)])


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    import early

    early.stop_all()
    if not early.in_worker():  # xdist's controller ends after its workers: nobody copies them now
        _drop_run_templates()
        for name in ("animatic", "render"):
            if name in _ours:
                shutil.rmtree(_ours.pop(name), ignore_errors=True)


def require_services() -> bool:
    return os.environ.get("SHORTFILM_REQUIRE_SERVICES") == "1"


def service_missing(reason: str) -> None:
    if require_services():
        pytest.fail(f"{reason} (SHORTFILM_REQUIRE_SERVICES=1: services are required here)")
    pytest.skip(reason)


def at_once(n: int, work: Any) -> list[Any]:
    """Run ``work(i)`` on ``n`` threads released together; their results or exceptions."""
    start = threading.Barrier(n)
    out: list[Any] = [None] * n

    def go(i: int) -> None:
        start.wait()
        try:
            out[i] = work(i)
        except BaseException as exc:  # shown by the caller's assertion
            out[i] = exc

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _pg_admin() -> Any:
    """An autocommit connection to the server's admin database (skips or fails without one)."""
    try:
        import psycopg
    except ImportError:
        service_missing("psycopg is not installed: pip install -e '.[test]'")
    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        service_missing(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"


@contextmanager
def pg_database(template: str | None = None) -> Iterator[tuple[str, str]]:
    """A new PostgreSQL database (empty, or a copy of database ``template``), dropped on leaving:
    ``(name, SQLAlchemy URL)``. Skips, or fails under ``SHORTFILM_REQUIRE_SERVICES=1``, when
    the server or the driver is missing."""
    admin = _pg_admin()
    name = f"shortfilm_t_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    admin.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield name, _pg_url(name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def pg_template(
    factory: pytest.TempPathFactory, what: str, build: Callable[[Path, str], object]
) -> tuple[str, str]:
    """This run's PostgreSQL template ``what``, made by ``build(root, url)`` in the first worker
    that asks and found by the others (:mod:`built_once`): ``(database name, URL)``. The
    controller drops it when the run ends (:func:`pytest_sessionfinish`)."""
    root = shared_root(factory)
    name = template_name(what)
    url = _pg_url(name)

    def create() -> None:
        admin = _pg_admin()
        try:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            admin.close()
        build(root, url)

    once(root, name, create)
    return name, url


def _drop_run_templates() -> None:
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception:  # no server or driver: no template was made either
        return
    with admin:
        names = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (run_templates_pattern(),)
        ).fetchall()
        for (name,) in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_web_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The web tests' prepared production (:mod:`web_home`) on a PostgreSQL database that each
    test copies: ``(database name, URL)``."""
    from web_home import prepared_web_home

    return pg_template(tmp_path_factory, "web", lambda root, url: prepared_web_home(root, 2, url))


@pytest.fixture(params=["sqlite", "postgres"])
def web_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> Iterator[tuple[Path, str | None]]:
    """A private copy of the web tests' prepared production (:mod:`web_home`), once on SQLite
    and once on PostgreSQL (a team's server): ``(home, database URL)``, the URL ``None`` for the
    home's own SQLite file. On PostgreSQL each test copies the prepared database."""
    from web_home import web_home_copy

    root = shared_root(tmp_path_factory)
    if request.param == "sqlite":
        yield web_home_copy(root, tmp_path / "home"), None
        return
    template, template_url = request.getfixturevalue("pg_web_template")
    home = web_home_copy(root, tmp_path / "home", url=template_url)
    with pg_database(template) as (_, url):
        yield home, url


@pytest.fixture(scope="session")
def pg_timeline_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The timeline tests' generated production (:mod:`timeline_home`) on a PostgreSQL database
    that each test or module copies: ``(database name, URL)``."""
    from timeline_home import prepared_home

    return pg_template(tmp_path_factory, "timeline", prepared_home)


@contextmanager
def timeline_database(request: pytest.FixtureRequest, dest: Path) -> Iterator[Path]:
    """A private copy at ``dest`` of the timeline tests' generated production on the database
    ``request.param`` names (``sqlite`` or ``postgres``: a copy of the prepared database), with
    ``SHORTFILM_DATABASE_URL`` naming it while open, so ``Store(home)`` and every command run on
    the home reach it. For fixtures of any scope parametrized over both databases."""
    from timeline_home import home_copy

    root = shared_root(request.getfixturevalue("tmp_path_factory"))
    with pytest.MonkeyPatch.context() as env:
        if request.param == "sqlite":
            env.delenv("SHORTFILM_DATABASE_URL", raising=False)
            yield home_copy(root, dest)
            return
        template, template_url = request.getfixturevalue("pg_timeline_template")
        home = home_copy(root, dest, template_url)
        with pg_database(template) as (_, url):
            env.setenv("SHORTFILM_DATABASE_URL", url)
            yield home


@pytest.fixture(params=["sqlite", "postgres"])
def timeline_home(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A private copy of the timeline tests' production for one test, on each database."""
    with timeline_database(request, tmp_path / "home") as home:
        yield home


@pytest.fixture
def web_store(web_database: tuple[Path, str | None]) -> Iterator[Any]:
    """The store of :func:`web_database`, open for the test and closed after it."""
    from shortfilm.store.repo import Store

    opened = Store(*web_database)
    yield opened
    opened.close()


_pg_spares: list[tuple[str, str]] = []
"""This process's PostgreSQL databases at the schema's head, emptied by the last test that used
one, with the shape of their schema (:func:`_pg_shape`): see :func:`pg_head_database`."""


@contextmanager
def pg_head_database() -> Iterator[tuple[str, str]]:
    """A PostgreSQL database at the schema's head with no rows, for one test: ``(name, URL)``.

    Making one costs the server ~0.4 CPU-s (``CREATE DATABASE`` copies template1) and the
    migrations ~0.45 s more, and hundreds of tests ask for one. So the process keeps each it
    made: the next test gets it emptied (``TRUNCATE ... RESTART IDENTITY``, the sequences
    restarted, so ids are those of a new database), as Django's ``TransactionTestCase`` flushes
    its test database. One whose schema a test changed (a migration tested down and up again)
    is dropped, not reused. The store migrates it as always and finds it at head; a test of
    the migrations themselves (fixture ``real_migrations``) gets a new, empty database. The
    controller drops this run's databases by name at the end (:func:`_drop_run_templates`).
    """
    if not _blank_homes[0]:
        with pg_database() as made:
            yield made
        return
    name, shape = _pg_spares.pop() if _pg_spares else _new_head_database()
    try:
        yield name, _pg_url(name)
    finally:
        if _emptied(name, shape):
            _pg_spares.append((name, shape))
        else:
            with contextlib.closing(_pg_admin()) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _new_head_database() -> tuple[str, str]:
    from shortfilm.store import db

    name = template_name(f"head_{uuid.uuid4().hex[:12]}")
    with contextlib.closing(_pg_admin()) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    engine = db.make_engine(_pg_url(name))
    try:
        db.migrate(engine)
    finally:
        engine.dispose()
    with contextlib.closing(_pg_connect(name)) as conn:
        return name, _pg_shape(conn)


def _pg_connect(name: str) -> Any:
    import psycopg

    return psycopg.connect(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}", autocommit=True)


def _pg_shape(conn: Any) -> str:
    """The schema of the database ``conn`` reaches, as text: its Alembic revision, columns,
    constraints, indexes and triggers."""
    parts = conn.execute(
        """
        SELECT (SELECT string_agg(version_num, ',') FROM alembic_version),
          (SELECT string_agg(concat_ws(':', table_name, column_name, data_type, is_nullable,
                                       column_default), ',' ORDER BY table_name, column_name)
             FROM information_schema.columns WHERE table_schema = 'public'),
          (SELECT string_agg(conrelid::regclass || ' ' || pg_get_constraintdef(oid), ','
                             ORDER BY 1)
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace),
          (SELECT string_agg(indexdef, ',' ORDER BY indexdef)
             FROM pg_indexes WHERE schemaname = 'public'),
          (SELECT string_agg(tgname, ',' ORDER BY tgname)
             FROM pg_trigger WHERE NOT tgisinternal)
        """
    ).fetchone()
    return "\n".join(part or "" for part in parts)


def _emptied(name: str, shape: str) -> bool:
    """Empty database ``name`` for the next test; ``False`` (to drop it) if its schema is no
    longer ``shape`` or it cannot be emptied at once. A connection the test left open is ended
    first: it could hold a lock, or reach the next test's rows."""
    try:
        with contextlib.closing(_pg_connect(name)) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            if _pg_shape(conn) != shape:
                return False
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT quote_ident(tablename) FROM pg_tables"
                    " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            ]
            conn.execute("SET lock_timeout = '5s'")
            conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            return True
    except Exception:  # anything odd: the next test gets a new database instead
        return False


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL database at the schema's head with no rows, for one test (see
    :func:`pg_head_database`; a new, empty one under ``real_migrations``)."""
    with pg_head_database() as (_, url):
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both databases the store supports; the same test runs on each."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'shortfilm.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@contextmanager
def database_for(kind: str, home: Path) -> Iterator[str]:
    """A database of ``kind`` (``sqlite``: the file of ``home``; ``postgres``: one at the
    schema's head with no rows, :func:`pg_head_database`) for a fixture of wider scope than
    :func:`db_url`'s, parametrized over ``["sqlite", "postgres"]`` the same way."""
    if kind == "sqlite":
        yield f"sqlite:///{home / 'shortfilm.db'}"
        return
    with pg_head_database() as (_, url):
        yield url


@pytest.fixture
def db_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """:func:`db_url`, also set as ``SHORTFILM_DATABASE_URL``: every ``Store(home)`` and every
    command the test runs, in-process or as a subprocess, opens that database (on SQLite, the
    file of the home at ``tmp_path / "home"``). For tests that open a home by its folder."""
    monkeypatch.setenv("SHORTFILM_DATABASE_URL", db_url)
    return db_url


@pytest.fixture(scope="session")
def small_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the in-process fake providers deliver for a take: 2 s of testsrc2 at 160x90 with
    silent stereo AAC (modules needing other audio or length define their own)."""
    from shortfilm.media.ffmpeg import run_ffmpeg

    out = tmp_path_factory.mktemp("clip") / "clip.mp4"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "testsrc2=s=160x90:r=24:d=2", "-f", "lavfi", "-i",
         "anullsrc=r=48000:cl=stereo", "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         "-c:a", "aac", out],
        what="test clip",
    )  # fmt: skip
    return out


@pytest.fixture
def example_spec(tmp_path: Path) -> Path:
    """A private copy of the example production (spec + reference images)."""
    from shortfilm.examples import example_dir

    dest = tmp_path / "spec"
    shutil.copytree(
        example_dir("wasteland-villa"), dest, ignore=shutil.ignore_patterns("__pycache__", "*.py")
    )
    return dest / "production.yaml"
