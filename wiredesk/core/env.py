"""The one typed table of environment variables wiredesk reads.

Only ``wiredesk.project.settings`` calls :func:`load`; everything else reads Django settings.
``docs/configuration.md`` is generated from this table (``wiredesk config_doc``) and a test
keeps the two in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping


class ConfigError(ValueError):
    """An environment variable holds a value wiredesk cannot use."""


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected one of 1/0, true/false, yes/no, on/off")


def _list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("expected a positive integer")
    return value


def _count(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("expected 0 or a positive integer")
    return value


def _rate(raw: str) -> float:
    value = float(raw)
    if value < 0:
        raise ValueError("expected 0 or a positive number")
    return value


def _pairs(raw: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in _list(raw):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise ValueError("expected NAME=value pairs separated by commas")
        pairs[name.strip()] = value.strip()
    return pairs


def _name(raw: str) -> str:
    value = raw.strip()
    if not value or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in value):
        raise ValueError("expected letters, digits, '-', '_' and '.' only, at least one")
    if len(value) > 200 or value.lower().startswith("amq."):
        raise ValueError("expected at most 200 characters, not starting with 'amq.' (RabbitMQ keeps those)")
    return value


def _positive_float(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError("expected a positive number")
    return value


@dataclass(frozen=True)
class Var:
    name: str
    parse: Callable[[str], Any]
    default: str
    doc: str
    kind: str


def _v(name: str, kind: str, default: str, doc: str) -> Var:
    parsers = {
        "str": str,
        "bool": _bool,
        "int": _positive_int,
        "float": _positive_float,
        "list": _list,
        "count": _count,
        "rate": _rate,
        "pairs": _pairs,
        "name": _name,
    }
    return Var(name=name, parse=parsers[kind], default=default, doc=doc, kind=kind)


TABLE: tuple[Var, ...] = (
    _v("WIREDESK_DATA_DIR", "str", "./data",
       "Folder for the embedded SQLite database, the SQLite task broker, the scheduler's state "
       "and uploaded media."),
    _v("WIREDESK_STATIC_ROOT", "str", "",
       "Folder `wiredesk collectstatic` fills and the web server serves static files from. Empty: "
       "`static` in the data folder. On several web machines, point it at a folder that ships "
       "with the release (built once, by `collectstatic` where the release is made) so no machine "
       "needs a step of its own."),
    _v("WIREDESK_PORT", "int", "8000", "Port the web server listens on."),
    _v("WIREDESK_BIND", "str", "127.0.0.1",
       "Address the web server binds to (use 0.0.0.0 behind a proxy on another machine)."),
    _v("WIREDESK_DEBUG", "bool", "false",
       "Django debug mode: its error pages (settings, the URL list) instead of the brand's. Off "
       "unless set, `make run` included. Never on in production."),
    _v("WIREDESK_SECRET_KEY", "str", "",
       "Secret for signing. Required when WIREDESK_DEBUG is off and WIREDESK_ENV=production; "
       "otherwise a per-data-dir key is generated and kept in the data folder."),
    _v("WIREDESK_ENV", "str", "development",
       "`development` or `production`. Production turns on HTTPS-only cookies, HSTS and the "
       "checks of `wiredesk check --deploy`."),
    _v("WIREDESK_ALLOWED_HOSTS", "list", "*",
       "Host names Django accepts. The default admits any, because each request is then matched "
       "against the brands' host names and an unknown host gets 400."),
    _v("DATABASE_URL", "str", "",
       "Database URL, e.g. `postgres://user@db:5432/wiredesk`. Empty means SQLite in the data "
       "folder (WAL mode, busy timeout, IMMEDIATE transactions)."),
    _v("WIREDESK_POSTGRES_JIT_OFF", "bool", "true",
       "Connect to PostgreSQL with `-c jit=off`: JIT compiling pays off for long reports, not a "
       "site's short queries (a search spent 0.58 of its 0.72 s compiling). Set `false` behind a "
       "pooler that refuses startup options (PgBouncer before 1.20, or without `jit` in its "
       "`track_extra_parameters`), and run `ALTER DATABASE ... SET jit = off` there instead."),
    _v("WIREDESK_SQLITE_TIMEOUT", "float", "30",
       "Seconds a SQLite writer waits for the lock before giving up."),
    _v("CELERY_BROKER_URL", "str", "",
       "Task broker URL, e.g. `redis://host:6379/0` or `amqp://guest:guest@host:5672//`. Empty "
       "means the embedded broker: a SQLite file in the data folder (`sqlite:///path` names "
       "another file)."),
    _v("WIREDESK_QUEUE", "name", "celery",
       "Name of the task queue on the broker. Deployments that share one broker must not share "
       "a queue, or one's workers run the other's tasks against the wrong database: give each "
       "its own RabbitMQ virtual host or Redis database number, or else its own queue name here. "
       "Let the queue empty before changing it: tasks waiting under the old name are not run."),
    _v("WIREDESK_WORKERS", "int", "2",
       "Task workers `wiredesk run` starts. On the embedded broker each is a one-process worker "
       "of its own; on Redis or RabbitMQ it is one worker with this many pool processes."),
    _v("WIREDESK_TASKS_EAGER", "bool", "false",
       "Run tasks in the calling process instead of a worker (tests and one-off scripts)."),
    _v("CACHE_URL", "str", "",
       "Cache URL, e.g. `redis://host:6379/1`. Empty means a cache folder in the data folder, "
       "shared by the processes of one machine, plus rendered pages kept in each process."),
    _v("WIREDESK_FETCH_ALLOW_NETWORKS", "list", "",
       "CIDR ranges or host names that the guarded HTTP client may reach even though they are "
       "private, loopback or otherwise non-public (e.g. `127.0.0.1/32` for a wire on this "
       "machine). Empty: only public addresses."),
    _v("WIREDESK_FETCH_CONNECT_TIMEOUT", "float", "10", "Seconds to establish a connection."),
    _v("WIREDESK_FETCH_DEADLINE", "float", "30",
       "Total wall-clock seconds for one fetch, redirects and body included."),
    _v("WIREDESK_FETCH_MAX_BYTES", "int", "15728640",
       "Largest response body accepted, measured after decompression (bytes)."),
    _v("WIREDESK_FETCH_MAX_REDIRECTS", "int", "5", "Redirect hops followed at most."),
    _v("WIREDESK_FETCH_PER_HOST", "int", "2",
       "Fetches in flight at once to one host, across all workers."),
    _v("WIREDESK_FETCH_USER_AGENT", "str", "wiredesk/0.1 (+https://example.invalid/wiredesk)",
       "User-Agent sent with every request; put a contact address here."),
    _v("WIREDESK_POLL_MIN_SECONDS", "int", "300",
       "Shortest interval between two polls of a source (a source may ask for less)."),
    _v("WIREDESK_POLL_MAX_SECONDS", "int", "86400",
       "Longest interval between two polls, also the cap of the error backoff."),
    _v("WIREDESK_POLL_ERROR_LIMIT", "int", "10",
       "Consecutive errors after which a source is shown as broken in the admin and CLI."),
    _v("WIREDESK_ALERT_FAILING_HOURS", "float", "6",
       "Hours a source may fail without a successful refresh before its editors get an alert."),
    _v("WIREDESK_ALERT_SILENT_FACTOR", "float", "4",
       "A source is alerted as silent when no new article came for this many times its usual gap "
       "between articles (the mean over the last 14 days)..."),
    _v("WIREDESK_ALERT_SILENT_MIN_HOURS", "float", "6",
       "...and for at least this many hours, so a wire that sleeps at night is not silent at dawn."),
    _v("WIREDESK_TICK_SECONDS", "int", "30",
       "How often the scheduler enqueues due sources."),
    _v("WIREDESK_REFRESH_TIME_LIMIT", "int", "600",
       "Seconds one source refresh may run. Then it stops, keeps what it stored and is recorded "
       "on the source as a `time_limit` error; 60 seconds later the worker process is killed "
       "if it has not. A source stays leased to its refresh for twice that hard limit plus a "
       "minute (a refresh not started within one hard limit of being queued is dropped)."),
    _v("WIREDESK_PAGE_CACHE", "bool", "true",
       "Cache whole pages per brand and path until new articles land (off: every request renders)."),
    _v("WIREDESK_PAGE_CACHE_SECONDS", "int", "300",
       "Longest time a page stays in the cache, and the s-maxage a CDN in front may keep it."),
    _v("WIREDESK_PAGE_FRONT_MB", "count", "64",
       "Memory each web worker gives to the pages it answers before Django runs (the page "
       "front); 0 turns the front off and every request goes through Django's page cache."),
    _v("WIREDESK_PAGE_FRONT_RECHECK", "float", "0.25",
       "Seconds the page front trusts its copy of the content generation: a page changes at "
       "most this long after new content lands."),
    _v("WIREDESK_IMAGE_SOURCES", "list", "https:",
       "Where article images may load from (the Content-Security-Policy img-src), e.g. "
       "`https:` or `https://images.wire.example`. `make run` adds `http:` for the demo wires."),
    _v("WIREDESK_LOG_LEVEL", "str", "INFO", "Log level of the wiredesk loggers."),
    _v("WIREDESK_TRUSTED_PROXY_HOPS", "count", "0",
       "Reverse proxies in front of the web server. With 1 or more, the client address used for "
       "rate limits and consent records is read from X-Forwarded-For; with 0 it is the peer's."),
    _v("WIREDESK_LOGIN_FAILURE_LIMIT", "int", "5",
       "Failed admin sign-ins from one address (an IPv6 client's /64), or for one user name from "
       "anywhere, after which that address or user name is locked out (429, listed in the admin "
       "under Axes)."),
    _v("WIREDESK_LOGIN_COOLOFF_MINUTES", "int", "15",
       "How long a lockout lasts after the latest failed sign-in; `wiredesk axes_reset_username "
       "NAME` or deleting the access attempt in the admin lifts it sooner."),
    _v("WIREDESK_PUBLIC_SCHEME", "str", "",
       "Scheme of the links in emails (`https` or `http`). Empty: https in production, else http."),
    _v("WIREDESK_PUBLIC_PORT", "str", "",
       "Port added to the brand host in links in emails and in the addresses commands print. "
       "Empty: none in production (the proxy in front answers on the scheme's own port); "
       "otherwise WIREDESK_PORT, where `wiredesk run` serves the site."),
    _v("WIREDESK_EMAIL_BACKEND", "str", "smtp",
       "How mail leaves: `smtp` (the EMAIL_* settings), `console`, `file` (into the data folder's "
       "outbox), or a dotted backend path such as `anymail.backends.mailgun.EmailBackend`."),
    _v("WIREDESK_EMAIL_FROM", "str", "news@localhost",
       "Sender address of the daily email and confirmations, unless a brand sets its own."),
    _v("EMAIL_HOST", "str", "localhost", "SMTP server host."),
    _v("EMAIL_PORT", "int", "25", "SMTP server port."),
    _v("EMAIL_HOST_USER", "str", "", "SMTP user name (empty: no authentication)."),
    _v("EMAIL_HOST_PASSWORD", "str", "", "SMTP password."),
    _v("EMAIL_USE_TLS", "bool", "false", "STARTTLS on the SMTP connection."),
    _v("EMAIL_USE_SSL", "bool", "false", "Implicit TLS (SMTPS, usually port 465)."),
    _v("EMAIL_TIMEOUT", "float", "30", "Seconds an SMTP operation may take."),
    _v("WIREDESK_DKIM_KEY_FILE", "str", "",
       "PEM RSA private key to DKIM-sign mail sent over SMTP (leave empty when the relay or "
       "provider signs). Publish its public half at `<selector>._domainkey.<domain>`."),
    _v("WIREDESK_DKIM_SELECTOR", "str", "wiredesk", "DKIM selector of that key."),
    _v("WIREDESK_DKIM_DOMAIN", "str", "",
       "Domain to sign for; empty means the From address's domain (aligned for DMARC)."),
    _v("WIREDESK_ANYMAIL", "pairs", "",
       "Settings for django-anymail as NAME=value pairs separated by commas, e.g. "
       "`MAILGUN_API_KEY=key-1,MAILGUN_WEBHOOK_SIGNING_KEY=sk-2,WEBHOOK_SECRET=user:pass`. The "
       "bounce and complaint webhooks live under `/anymail/`."),
    _v("WIREDESK_DIGEST_RATE", "rate", "20",
       "Messages per second one sender hands to the mail server (0: as fast as it takes them)."),
    _v("WIREDESK_DIGEST_LEASE_SECONDS", "int", "120",
       "How long a sender's claim on an edition lasts without renewal; after a crash, another "
       "sender resumes the edition once it has expired."),
    _v("WIREDESK_DIGEST_STORIES", "int", "5", "Stories per section in the daily email."),
    _v("WIREDESK_RELEASE_MIN_WORDS", "int", "150", "Fewest words a news release may have."),
    _v("WIREDESK_RELEASE_MAX_WORDS", "int", "1500", "Most words a news release may have."),
    _v("WIREDESK_RELEASE_MAX_LINKS", "count", "3", "Most links a news release may carry."),
    _v("WIREDESK_RELEASE_MAX_IMAGE_BYTES", "int", "8388608", "Largest image upload (bytes)."),
    _v("WIREDESK_RELEASE_MAX_IMAGE_PIXELS", "int", "25000000",
       "Most pixels (width x height) an uploaded image may have; larger ones are refused unread."),
    _v("WIREDESK_RELEASE_MAX_IMAGE_SIDE", "int", "2560",
       "Longest side, in pixels, an uploaded image is stored at; larger ones are scaled down (JPEGs "
       "are decoded at a reduced scale, which also bounds the memory a photo takes to read)."),
    _v("WIREDESK_RELEASE_RETENTION_DAYS", "int", "180",
       "Days after which the contact details of a news-release submission are purged."),
    _v("WIREDESK_UNSUBSCRIBE_MAILTO", "str", "",
       "Address for the mailto: List-Unsubscribe (an inbound route of the mail provider to "
       "`/anymail/`). Empty: `unsubscribe@` the brand's first host name."),
)


def load(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Parse every variable of the table from ``environ``; raise ConfigError on a bad value."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for var in TABLE:
        raw = environ.get(var.name, var.default)
        try:
            values[var.name] = var.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{var.name}={raw!r} is not a valid {var.kind}: {exc}") from exc
    return values


def public_address(values: Mapping[str, Any]) -> tuple[str, str]:
    """(scheme, port) of links to the site. In development the site is reached straight on the
    web server's port, so that is the default there: every process (web, worker, a command
    typed in another shell) builds the same links from the same variables."""
    production = values["WIREDESK_ENV"] == "production"
    scheme = values["WIREDESK_PUBLIC_SCHEME"] or ("https" if production else "http")
    port = values["WIREDESK_PUBLIC_PORT"]
    if not port and not production and values["WIREDESK_PORT"] != {"http": 80, "https": 443}.get(scheme):
        port = str(values["WIREDESK_PORT"])
    return scheme, port


def markdown() -> str:
    """Render the table as the body of docs/configuration.md."""
    lines = [
        "# Configuration",
        "",
        "wiredesk reads its settings from environment variables, all listed here. This file is",
        "generated from `wiredesk/core/env.py` by `wiredesk config_doc`; a test fails when they",
        "differ. Everything that belongs to a brand or a source (names, time zones, feeds, licence",
        "policy) is data in the database, edited in the admin, not configuration.",
        "",
        "| variable | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for var in TABLE:
        default = f"`{var.default}`" if var.default else "(empty)"
        lines.append(f"| `{var.name}` | {var.kind} | {default} | {var.doc} |")
    lines += [
        "",
        "A bad value stops the program at start-up with a message naming the variable.",
        "",
    ]
    return "\n".join(lines)
