"""Backups of a whole installation, taken while it runs: the database and the uploaded media.

A backup is one tar file holding ``manifest.json`` (format, database engine, when, the
migrations its database had applied (its schema's version), and the count of rows per table
just before the copy, for the record), the database (``database.sqlite3``:
SQLite's online backup, a consistent copy taken beside running writers; or
``database.pgdump``: pg_dump's custom format, one consistent snapshot), and ``media/`` (the
uploaded release images). It is written to a temporary name beside the target and renamed
when complete, so a half-written backup never carries the name asked for.

Restoring replaces the database's content and the media folder with the backup's. A backup
whose schema has migrations this code does not know (made by a newer version) is refused
before anything is touched; an older one is restored and `wiredesk migrate` brings it up to
date. Stop the
platform first (`wiredesk run`, or every worker, scheduler and web process): a process that
keeps writing during a restore would mix old and new rows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

from wiredesk.core.generation import content_changed

FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in one line."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    engine: str
    rows: dict[str, int]
    media_files: int
    bytes: int
    pending_migrations: list[str] = field(default_factory=list)  # an older backup: `wiredesk migrate` next


def _counts() -> dict[str, int]:
    """Rows per table of the project's own models (printed by the commands, kept in the manifest)."""
    counts = {}
    tables = set(connection.introspection.table_names())
    for model in apps.get_models():
        meta = model._meta
        if model.__module__.startswith("wiredesk.") and meta.managed and not meta.proxy and meta.db_table in tables:
            counts[meta.label] = model.objects.count()
    return counts


def _engine() -> str:
    return connection.vendor  # "sqlite" or "postgresql"


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["--dbname", str(db["NAME"])]
    # Only what the settings name: pg_dump's own defaults (the local socket, the login user)
    # are libpq's, the same Django's driver uses.
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT"),
                             ("sslkey", "PGSSLKEY")):
        if (db.get("OPTIONS") or {}).get(option):
            env[variable] = str(db["OPTIONS"][option])
    return args, env


def _run(argv: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{argv[0]} is not installed (PostgreSQL's client programs are needed)") from None
    if done.returncode:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no message"]
        raise BackupError(f"{argv[0]} failed: {last[0]}")


def _copy_database(folder: Path) -> str:
    """The live database into ``folder``; returns the file's name."""
    if _engine() == "sqlite":
        target = folder / "database.sqlite3"
        connection.ensure_connection()
        dst = sqlite3.connect(target)
        try:
            connection.connection.backup(dst)  # online: a consistent copy, writers may go on
        except sqlite3.Error as exc:
            raise BackupError(f"the database could not be copied: {exc}") from None
        finally:
            dst.close()
        return target.name
    if _engine() == "postgresql":
        target = folder / "database.pgdump"
        args, env = _pg_env()
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args], env)
        return target.name
    raise BackupError(f"backups of a {_engine()} database are not supported")


def _applied_migrations() -> list[str]:
    """``app.name`` of every migration the database has applied (the schema's version)."""
    from django.db.migrations.recorder import MigrationRecorder

    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _known_migrations() -> set[str]:
    """Every migration this version of the code has, or had before squashing them into one."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = {f"{app}.{name}" for app, name in loader.disk_migrations}
    for migration in loader.disk_migrations.values():
        known |= {f"{app}.{name}" for app, name in (migration.replaces or ())}
    return known


def _pending_migrations() -> list[str]:
    """What `wiredesk migrate` would apply to the database as it is now."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _newer_migrations(recorded) -> list[str]:
    """The backup's migrations of apps installed here that this code does not know."""
    from django.apps import apps as installed

    labels = {config.label for config in installed.get_app_configs()}
    known = _known_migrations()
    return sorted(m for m in recorded or () if m.split(".", 1)[0] in labels and m not in known)


def backup_create(*, path: str | Path) -> BackupReport:
    """Write a backup of the database and the media to ``path`` (a tar file)."""
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        raise BackupError(f"{path} is a folder: name the backup file to write")
    if not path.parent.is_dir():
        raise BackupError(f"no folder {path.parent} to write the backup in")
    with tempfile.TemporaryDirectory(prefix="wiredesk-backup-", dir=path.parent) as tmp:
        folder = Path(tmp)
        rows = _counts()  # counted before the copy: what the copy holds at least
        name = _copy_database(folder)
        media = Path(settings.MEDIA_ROOT)
        files = [p for p in media.rglob("*") if p.is_file()] if media.is_dir() else []
        manifest = {"format": FORMAT, "engine": _engine(), "database": name, "migrations": _applied_migrations(),
                    "created_at": dt.datetime.now(dt.timezone.utc).isoformat(), "rows": rows, "media_files": len(files)}
        partial = path.with_name(f".{path.name}.partial")
        try:
            with tarfile.open(partial, "w") as tar:
                manifest_file = folder / "manifest.json"
                manifest_file.write_text(json.dumps(manifest, indent=1, sort_keys=True))
                tar.add(manifest_file, arcname="manifest.json")
                tar.add(folder / name, arcname=name)
                for file in files:
                    tar.add(file, arcname=f"media/{file.relative_to(media).as_posix()}")
            os.replace(partial, path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise BackupError(f"cannot write {path}: {exc.strerror or exc}") from None
    return BackupReport(path=path, engine=manifest["engine"], rows=rows, media_files=len(files), bytes=path.stat().st_size)


def _read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        member = tar.getmember("manifest.json")
        manifest = json.loads(tar.extractfile(member).read())
    except (KeyError, ValueError, AttributeError):
        raise BackupError("not a wiredesk backup (no readable manifest.json)") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not one this version reads ({FORMAT})")
    return manifest


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """Only regular files under media/ (no links, devices or paths leaving the folder)."""
    out = []
    for member in tar.getmembers():
        if not member.name.startswith("media/"):
            continue
        parts = Path(member.name).parts
        if not member.isfile() or ".." in parts or Path(member.name).is_absolute():
            raise BackupError(f"the backup holds an unsafe entry: {member.name[:100]!r}")
        out.append(member)
    return out


def backup_restore(*, path: str | Path) -> BackupReport:
    """Replace the database and the media with those of the backup at ``path``."""
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    try:
        tar = tarfile.open(path, "r")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"cannot read {path}: {exc}") from None
    # Unpacked beside the data (not in /tmp, often small), so the media swap below is a rename.
    with tar, tempfile.TemporaryDirectory(prefix=".restore-", dir=settings.DATA_DIR) as tmp:
        manifest = _read_manifest(tar)
        if manifest.get("engine") != _engine():
            raise BackupError(f"the backup is of a {manifest.get('engine')} database; this installation runs on {_engine()}")
        newer = _newer_migrations(manifest.get("migrations"))
        if newer:  # its tables have columns this code does not know: refuse before touching anything
            shown = ", ".join(newer[:3]) + (f" and {len(newer) - 3} more" if len(newer) > 3 else "")
            raise BackupError(f"the backup was made by a newer version of wiredesk (its schema has {shown}, "
                              "unknown here): restore it with that version or a later one")
        name = manifest.get("database")
        if name not in ("database.sqlite3", "database.pgdump"):
            raise BackupError("not a wiredesk backup (no database in it)")
        media_members = _safe_members(tar)
        try:
            if not tar.getmember(name).isfile():
                raise BackupError(f"the backup's {name} is not a plain file")
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python 3.11.4 and later
            tar.extract(tar.getmember(name), tmp, **safe)
            for member in media_members:
                tar.extract(member, tmp, **safe)
        except (KeyError, tarfile.TarError, OSError) as exc:
            raise BackupError(f"cannot unpack {path}: {exc}") from None
        unpacked = Path(tmp) / "media"
        unpacked.mkdir(exist_ok=True)
        _restore_database(Path(tmp) / name)
        media = Path(settings.MEDIA_ROOT)
        try:
            old = Path(tmp) / "media-before"
            if media.exists():
                if unpacked.stat().st_dev == media.parent.stat().st_dev:
                    media.rename(old)  # the old media out and the backup's in, each one rename
                else:
                    shutil.copytree(media, old)
                    shutil.rmtree(media)
            if unpacked.stat().st_dev == media.parent.stat().st_dev:
                unpacked.rename(media)
            else:
                shutil.copytree(unpacked, media)
        except OSError as exc:
            raise BackupError(f"the database was restored but the media could not be put in place: {exc}") from None
    content_changed()  # pages cached before the restore show what it replaced
    pending = _pending_migrations()
    rows = _counts()
    return BackupReport(path=path, engine=manifest["engine"], rows=rows, media_files=len(media_members),
                        bytes=path.stat().st_size, pending_migrations=pending)


def _restore_database(file: Path) -> None:
    if _engine() == "sqlite":
        try:
            src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"the backup's database is damaged: {exc}") from None
        connection.ensure_connection()
        try:
            src.backup(connection.connection)  # the live database takes the backup's pages
        except sqlite3.Error as exc:
            raise BackupError(f"the database could not be restored: {exc}") from None
        finally:
            src.close()
        return
    args, env = _pg_env()
    connection.close()
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", *args, str(file)], env)
