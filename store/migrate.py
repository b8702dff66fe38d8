"""Alembic, driven from code: the migrations ship inside the package, no alembic.ini needed."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection


def config() -> Config:
    """An Alembic configuration pointing at ``store/migrations``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("store") / "migrations"))
    return cfg


def head() -> str:
    """The newest revision shipped."""
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Migrate the database behind ``connection`` (in its transaction) to ``revision``."""
    cfg = config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def current(connection: Connection) -> str | None:
    """The database's revision, or None if it was never migrated."""
    return MigrationContext.configure(connection).get_current_revision()
