"""Settings: read from environment variables once, validated, with embedded defaults.

Every setting the service knows is declared in ``SETTINGS``; ``.env.example`` lists the same
names. A wrong value stops start-up with a ``ConfigError`` naming the variable.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import dotenv_values


class ConfigError(ValueError):
    """A setting has a value the service cannot run with."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600, "d": 86400}
_SIZE = re.compile(r"^\s*(\d+)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {None: 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2,
               "gb": 1000**3, "gib": 1024**3}


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("expected true or false")


def parse_seconds(raw: str) -> float:
    """``30``, ``30s``, ``5m``, ``24h``, ``2d``, ``250ms``."""
    match = _DURATION.match(raw.lower())
    if not match:
        raise ValueError("expected a duration such as 30, 30s, 5m, 24h")
    return float(match.group(1)) * _DURATION_UNITS[match.group(2)]


def parse_bytes(raw: str) -> int:
    """``8388608``, ``8MiB``, ``15MB``."""
    match = _SIZE.match(raw)
    if not match:
        raise ValueError("expected a size such as 8388608, 8MiB or 15MB")
    unit = match.group(2).lower() if match.group(2) else None
    return int(match.group(1)) * _SIZE_UNITS[unit]


def parse_non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("must be 0 or a positive integer")
    return value


def parse_positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a positive integer")
    return value


def parse_positive(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def positive(raw: str) -> Any:
        value = parse(raw)
        if value <= 0:
            raise ValueError("must be greater than zero")
        return value
    return positive


def parse_choice(*choices: str) -> Callable[[str], str]:
    def choose(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return value
    return choose


def parse_list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def parse_url(*schemes: str) -> Callable[[str], str]:
    def url(raw: str) -> str:
        value = raw.strip()
        if not any(value.startswith(scheme + "://") or value.startswith(scheme + ":")
                   for scheme in schemes):
            raise ValueError(f"expected a URL starting with {' or '.join(schemes)}")
        return value
    return url


def parse_rate_limits(raw: str) -> str:
    """Flask-Limiter's notation: ``20/second;600/minute``."""
    from limits import parse_many
    parse_many(raw)
    return raw.strip()


def parse_folder(raw: str) -> str:
    path = Path(raw).expanduser().resolve()
    if not path.is_dir():
        raise ValueError("expected an existing folder")
    return str(path)


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[str], Any]
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    # Core
    Setting("ENV_FILE", parse_list, ".env",
            "Files of settings read at start-up by every entry point (comma-separated, the first to "
            "set a variable wins); variables already in the environment win over them."),
    Setting("DATA_DIR", str, "data", "Folder for the SQLite file, local storage and upload staging."),
    Setting("SECRET_KEY", str, None,
            "Signs tokens and local presigned URLs. Default: random, kept in DATA_DIR/.secret_key."),
    Setting("DATABASE_URL", parse_url("sqlite", "postgresql", "postgresql+psycopg"), None,
            "SQLAlchemy URL. Default: sqlite file DATA_DIR/.db/service.db."),
    Setting("REDIS_URL", parse_url("redis", "rediss", "unix"), None,
            "Redis for cross-process Socket.IO fan-out, presence and live state."),
    Setting("REDIS_CHANNEL_PREFIX", str, None,
            "Prefix of every Redis pub/sub channel (Socket.IO and live events), so deployments "
            "sharing a Redis see nothing of each other. Default: facial-backend:<REDIS_URL's db>."),
    Setting("LOG_LEVEL", parse_choice("debug", "info", "warning", "error"), "info", "Log level."),
    Setting("CORS_ORIGINS", parse_list, "*", "Comma-separated origins allowed by CORS, or *."),
    Setting("MAX_BODY_BYTES", parse_positive(parse_bytes), "4MiB",
            "Largest request body on routes that set no limit of their own."),
    Setting("MIN_FREE_DISK", parse_bytes, "256MiB",
            "/readyz reports not ready when DATA_DIR has less free space than this."),
    Setting("TRUSTED_PROXY_HOPS", parse_non_negative_int, "0",
            "Proxies in front whose X-Forwarded-For/-Proto/-Host are trusted (0: none)."),
    Setting("METRICS_TOKEN", str, None,
            "Bearer token a Prometheus scraper sends to /metrics (operator/admin tokens work too)."),
    Setting("PUBLIC_BASE_URL", parse_url("http", "https"), None,
            "Base URL clients reach the service at (for local presigned URLs). Default: request host."),
    Setting("PERF_LAYER", parse_bool, "true",
            "The performance layer (body reading, thread offload, direct writes, Server-Timing); "
            "false runs stock Flask with the same results."),
    # Auth
    Setting("AUTH_REQUIRED", parse_bool, "false",
            "true closes the routes that origin clients call without credentials."),
    Setting("SIGN_IN_MAX_FAILURES", parse_positive_int, "10",
            "Failed sign-ins per account, and per address, before sign-in is refused (429)."),
    Setting("SIGN_IN_WINDOW", parse_positive(parse_seconds), "15m",
            "Window in which failed sign-ins are counted; a success clears the count."),
    Setting("JWT_EXPIRES", parse_positive(parse_seconds), "8h", "Lifetime of issued tokens."),
    # Storage
    Setting("STORAGE_BACKEND", parse_choice("local", "s3"), "local", "Where files go: local or s3."),
    Setting("LOCAL_STORAGE_ROOT", str, None, "Root folder of the local backend. Default: DATA_DIR."),
    Setting("S3_BUCKET", str, None, "Bucket of the s3 backend (required with STORAGE_BACKEND=s3)."),
    Setting("S3_PREFIX", str, "", "Key prefix inside the bucket."),
    Setting("S3_REGION", str, "us-east-1", "Region of the bucket."),
    Setting("S3_ENDPOINT_URL", parse_url("http", "https"), None,
            "Endpoint of an S3-compatible store (MinIO, moto, ...)."),
    Setting("S3_CREATE_BUCKET", parse_bool, "false", "Create the bucket at start-up if missing."),
    Setting("S3_CONNECT_TIMEOUT", parse_positive(parse_seconds), "3s", "Longest wait to connect to S3."),
    Setting("S3_READ_TIMEOUT", parse_positive(parse_seconds), "3s", "Longest wait for an S3 answer."),
    Setting("S3_MAX_ATTEMPTS", parse_positive_int, "2", "Tries of one S3 call (the first included)."),
    # Recording app uploads
    Setting("MAX_CHUNK_BYTES", parse_positive(parse_bytes), "8MiB", "Largest accepted video chunk."),
    Setting("UPLOAD_TTL", parse_positive(parse_seconds), "24h",
            "Partial uploads untouched this long are expired by `flask uploads purge`."),
    Setting("UPLOAD_FSYNC", parse_bool, "true",
            "Write every acknowledged chunk straight to the device and fsync it (survives power "
            "loss, not only a process crash)."),
    Setting("CLIENT_LOG_RATE_LIMIT", parse_rate_limits, "20/second;600/minute",
            "Client log lines (POST /api/log/client) one client address may send; counted in "
            "Redis when REDIS_URL is set, else per process."),
    Setting("FRONTEND_DIR", parse_folder, None,
            "Folder of a web frontend (index.html, js/, css/) served at /; unset, / answers the "
            "service's information as JSON."),
    Setting("FRONTEND_MAX_AGE", parse_seconds, "1h",
            "How long browsers may cache the frontend's files (index.html is always revalidated)."),
    Setting("TUS_MAX_SIZE", parse_positive(parse_bytes), "2GiB",
            "Largest video uploaded over tus (/files/); recordings keep RECORDING_MAX_BYTES."),
    Setting("TUS_IDLE_TIMEOUT", parse_positive(parse_seconds), "60s",
            "A tus PATCH whose body sends nothing for this long ends there: what arrived is "
            "kept and the upload is free for the client's retry (under gunicorn)."),
    # Live sessions (seeds 000/002)
    Setting("SEGMENT_MAX_BYTES", parse_positive(parse_bytes), "15MB", "Largest segment JSON body."),
    Setting("PRESENCE_TTL", parse_positive(parse_seconds), "35s", "How long an HTTP presence lasts."),
    Setting("SESSION_GRACE_SECONDS", parse_positive(parse_seconds), "30",
            "How long a live session waits for a disconnected member to come back."),
    Setting("LIVE_HEARTBEAT_SECONDS", parse_positive(parse_seconds), "5",
            "Every process with live sockets beats this often; one that misses three beats is "
            "dead and the others treat its sockets as lost transports."),
    Setting("SOCKET_RATE_LIMIT", parse_positive(float), "200", "Socket.IO messages per second per socket."),
    Setting("SOCKET_RATE_BURST", parse_positive(float), "400", "Socket.IO burst allowance per socket."),
    Setting("SOCKET_MAX_PAYLOAD", parse_positive(parse_bytes), "256KiB",
            "Largest Socket.IO message (signaling only; audio goes over HTTP)."),
    Setting("SOCKET_FAST_PATH", parse_bool, "true",
            "Socket.IO's own WebSocket transport, packet codec and signal short path; they engage "
            "only on the library versions they were verified with (else a warning, stock path)."),
    Setting("SOCKET_MAX_CONNECTIONS", parse_positive_int, "800",
            "Long-lived sockets (Socket.IO sessions of either transport, /ws/ WebSockets) one worker "
            "process holds; more are refused with 503 too_many_connections. Keep it below "
            "gunicorn's worker_connections (deploy/gunicorn.conf.py adds HTTP_CONNECTION_SLOTS)."),
    Setting("SOCKET_MAX_PER_ADDRESS", parse_non_negative_int, "100",
            "Long-lived sockets per client address in one worker process (0: no limit)."),
    Setting("SOCKET_MAX_PER_USER", parse_non_negative_int, "10",
            "Socket.IO connections per token user in one worker process (0: no limit)."),
    Setting("SOCKET_REGISTER_TIMEOUT", parse_seconds, "30s",
            "A Socket.IO connection that has neither registered nor subscribed by then is closed "
            "(0: never)."),
    Setting("HTTP_CONNECTION_SLOTS", parse_positive_int, "200",
            "Connections per worker process kept for HTTP beyond SOCKET_MAX_CONNECTIONS: "
            "deploy/gunicorn.conf.py sets gunicorn's worker_connections to their sum."),
    Setting("PRESENCE_UPDATE_INTERVAL", parse_positive(parse_seconds), "1s",
            "clients_updated goes to a package's evaluators at most this often (per process)."),
    # iPhone recordings
    Setting("RECORDING_MAX_BYTES", parse_positive(parse_bytes), "100MiB", "Largest recording upload."),
    Setting("RECORDING_CONTENT_TYPES", parse_list,
            "audio/m4a,audio/x-m4a,audio/mp4,audio/aac,audio/mpeg,audio/wav,audio/x-wav,audio/webm,audio/ogg",
            "Content types a recording may have."),
    Setting("PRESIGNED_EXPIRES", parse_positive(parse_seconds), "3600", "Lifetime of presigned upload URLs."),
    # Testbed live events
    Setting("WS_PING_INTERVAL", parse_positive(parse_seconds), "25s",
            "Idle raw WebSocket connections are pinged this often; dead ones are dropped."),
    Setting("TESTBED_API_VERSION", parse_choice("0.2", "0.3"), "0.2",
            "Testbed API version: the type of a note sent without one (observation; 0.3: detail), "
            "the version / reports and the Markdown export's sections."),
    # Operator console (/console)
    Setting("CONSOLE_IDLE_TIMEOUT", parse_positive(parse_seconds), "30m",
            "A console sign-in unused this long ends; the user signs in again."),
    Setting("CONSOLE_COOKIE_SECURE", parse_bool, "false",
            "Always mark the console cookie Secure (it is anyway on requests that came over HTTPS)."),
    # Speech-to-text
    Setting("STT_ENGINE", parse_choice("none", "local", "http", "fake"), "none",
            "Transcription engine."),
    Setting("STT_SEGMENTS", parse_bool, "false", "Transcribe live-session audio segments too."),
    Setting("STT_CPU_THREADS", parse_positive_int, "1", "CPU threads of the local engine."),
    Setting("STT_MODEL_DIR", str, None, "Another CTranslate2 Whisper model folder for the local engine."),
    Setting("STT_HTTP_URL", parse_url("http", "https"), None,
            "OpenAI-style /v1/audio/transcriptions endpoint of the http engine."),
    Setting("STT_HTTP_TOKEN", str, None, "Bearer token of the http engine."),
    Setting("STT_HTTP_MODEL", str, "whisper-1", "Model name sent to the http engine."),
    Setting("STT_HTTP_TIMEOUT", parse_positive(parse_seconds), "120s", "Timeout of one http engine call."),
    Setting("STT_MAX_ATTEMPTS", parse_positive_int, "5", "Attempts of a job with retryable errors."),
    Setting("STT_LEASE", parse_positive(parse_seconds), "10m",
            "A job whose worker has not finished within this time is taken again."),
    Setting("STT_UPLOAD_WAIT", parse_seconds, "0",
            "How long POST /stt/upload waits for its transcription (200 with the finished task), "
            "else 201 with the pending task."),
)


def read_env_files(environ: MutableMapping[str, str]) -> list[str]:
    """Add the variables of the files ENV_FILE names (``.env`` by default; missing files are
    skipped) to ``environ`` without replacing any that is set; return the files read."""
    read = []
    for name in parse_list(environ.get("ENV_FILE") or ".env"):
        path = Path(name)
        if not path.is_file():
            continue
        for key, value in dotenv_values(path).items():
            if value is not None:
                environ.setdefault(key, value)
        read.append(str(path))
    return read


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Parse every declared setting from ``environ`` (default ``os.environ``)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name)
        if raw is None or (raw == "" and setting.default is None):
            raw = setting.default
        if raw is None:
            values[setting.name] = None
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{setting.name}={raw!r} is invalid: {exc}") from None
    _derive(values)
    return values


def _derive(values: dict[str, Any]) -> None:
    """Fill the defaults that depend on other settings and check combinations."""
    data_dir = Path(values["DATA_DIR"]).resolve()
    values["DATA_DIR"] = str(data_dir)
    if values["LOCAL_STORAGE_ROOT"] is None:
        values["LOCAL_STORAGE_ROOT"] = str(data_dir)
    if values["DATABASE_URL"] is None:
        # A dot folder: never addressable as a storage key, though the local store shares DATA_DIR.
        values["DATABASE_URL"] = f"sqlite:///{data_dir / '.db' / 'service.db'}"
    elif values["DATABASE_URL"].startswith("postgresql://"):
        values["DATABASE_URL"] = "postgresql+psycopg://" + values["DATABASE_URL"][len("postgresql://"):]
    if values["SECRET_KEY"] is not None and len(values["SECRET_KEY"]) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters (it signs tokens and URLs)")
    if values["STORAGE_BACKEND"] == "s3" and not values["S3_BUCKET"]:
        raise ConfigError("S3_BUCKET is required when STORAGE_BACKEND=s3")
    if values["STT_ENGINE"] == "http" and not values["STT_HTTP_URL"]:
        raise ConfigError("STT_HTTP_URL is required when STT_ENGINE=http")
    if values["SOCKET_RATE_BURST"] < values["SOCKET_RATE_LIMIT"]:
        raise ConfigError("SOCKET_RATE_BURST must be at least SOCKET_RATE_LIMIT")


def ensure_secret_key(values: dict[str, Any]) -> None:
    """Without SECRET_KEY, use a random one kept in the data folder so tokens survive restarts."""
    if values.get("SECRET_KEY"):
        return
    path = Path(values["DATA_DIR"]) / ".secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_name(f".secret_key.{os.getpid()}.tmp")
        tmp.write_text(secrets.token_hex(32))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # atomic: concurrent starters all end up with the first key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    values["SECRET_KEY"] = path.read_text().strip()
