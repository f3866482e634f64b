"""Settings from environment variables, all with the ``WELLS_`` prefix (see the README's table)."""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from forms import uploads

PREFIX = "WELLS_"
ROOT = Path(__file__).resolve().parents[2]
INSTANCE = ROOT / "instance"

# name -> (default, description). The README's configuration table is written from this.
SETTINGS: dict[str, tuple[str | None, str]] = {
    "DATABASE_URL": (f"sqlite:///{INSTANCE / 'wells.db'}", "SQLAlchemy database URL (SQLite file or postgresql://…)"),
    "DB_PRE_PING": ("0", "1 = test each pooled database connection before use (one more round trip per request)"),
    "SECRET_KEY": (None, "session signing key; required unless WELLS_DEMO=1 or testing"),
    "AUDIT_KEY": (None, "key of the audit trail's hash chain (HMAC); default derived from WELLS_SECRET_KEY. Set it once: events chained with another key no longer verify"),
    "AUDIT_CHECKPOINT_DIR": (str(INSTANCE / "audit-checkpoints"), "folder for the signed checkpoints of the audit chains' ends (outside the database: give the database's administrators no write access, copy it off the machine with the backups)"),
    "AUDIT_CHECKPOINT_MINUTES": ("10", "minutes between the checkpoints the timer worker (`flask timers run`) writes"),
    "DEMO": ("0", "1 = demo mode: runs without WELLS_SECRET_KEY (a fixed, public development key); never in production"),
    "UPLOAD_DIR": (str(INSTANCE / "uploads"), "folder for photos and evidence files"),
    "UPLOAD_MAX_FILES": (str(uploads.MAX_FILES), "photos and evidence files one step may carry"),
    "UPLOAD_MAX_FILE_MB": (str(uploads.MAX_FILE_MB), "largest photo or evidence file, in MB"),
    "UPLOAD_MAX_TOTAL_MB": (str(uploads.MAX_TOTAL_MB), "all files of one step together, in MB; a request may be 1 MB more"),
    "TIMEZONE": ("Asia/Shanghai", "timezone in which times are shown (statutory deadlines always end at 24:00 China time)"),
    "BPMN_DIR": (str(ROOT / "bpmn"), "folder of the diagrams (.bpmn, .dmn)"),
    "RATELIMIT_STORAGE_URI": ("database", "where failed log-ins are counted, shared by all workers: `database` (the application's database) or a Redis URL (redis://127.0.0.1:6379/0). `memory://` counts per process and is refused outside demo/test mode"),
    "LOGIN_LIMIT": ("50 per 15 minutes", "failed log-ins allowed per client address (generous: a whole office may share one NAT address)"),
    "LOGIN_ACCOUNT_LIMIT": ("5 per 15 minutes", "failed log-ins allowed per account before it is locked for the rest of the window (an administrator can unlock it)"),
    "SECURE_COOKIES": ("1", "1 = session cookie only over HTTPS; 0 for plain-HTTP local use"),
    "PAGE_SIZE": ("20", "inbox rows per page"),
    "PROXIES": ("0", "number of reverse proxies in front of the app (nginx: 1), so client addresses (login limit, audit) are the real ones"),
    "TIMER_INTERVAL": ("30", "seconds between sweeps of `flask timers run`"),
    "IDLE_MINUTES": ("30", "minutes without a request after which a session ends (a warning shows a minute before)"),
    "NOTIFY_HOUR": ("8", "China-time hour from which `flask notify sweep` writes the day's reminders and digests (working days only)"),
    "DASHBOARD_MAX_AGE": ("300", "seconds the dashboard shows its figures before computing them again (a snapshot in the database, shared by every worker and host; the timer worker refreshes it before it is that old); 0 = computed on every view"),
    "PATROL_DAYS": ("90", "days between patrols of a sealed well (巡查周期), fixed for a case when it is registered"),
    "MAP_TILE_URL": ("", "tile URL template of the wells map's base layer: {z} {x} {y}, optionally {s} (e.g. 天地图 vec_w with its key); empty = no tile server: the map draws the towns from the wells' own coordinates"),
    "MAP_LABEL_URL": ("", "optional second tile layer drawn over the base layer, same form (天地图's place names, cva_w)"),
    "MAP_TILE_SUBDOMAINS": ("", "the values of {s} in the tile URLs: one character each (01234567 for 天地图's t0–t7) or comma-separated; required when a URL has {s}"),
    "MAP_TILE_ATTRIBUTION": ("", "the tile service's attribution shown on the map, plain text (required with a tile URL), e.g. ©天地图 审图号"),
    "MAP_MAX_ZOOM": ("18", "closest zoom level of the wells map (the tile service's last level; 天地图: 18)"),
}


class ConfigError(RuntimeError):
    """The environment cannot run the application (a missing secret key…); the message says what to set."""


def _positive_int(name: str, value, unit: str = "days") -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise ConfigError(f"{PREFIX}{name} must be a whole number of {unit} of at least 1 (got {value!r}).")
    return number


def _upload_limits(values: dict) -> dict:
    """The upload limits, and the request limit that follows from them: a step's files plus 1 MB for the
    form's text. A request limit below the files' would answer a clerk's photos with a bare error page
    and lose the whole form, instead of a message next to the file box."""
    limits = {"UPLOAD_MAX_FILES": _positive_int("UPLOAD_MAX_FILES", values["UPLOAD_MAX_FILES"], "files"),
              "UPLOAD_MAX_FILE_MB": _positive_int("UPLOAD_MAX_FILE_MB", values["UPLOAD_MAX_FILE_MB"], "MB"),
              "UPLOAD_MAX_TOTAL_MB": _positive_int("UPLOAD_MAX_TOTAL_MB", values["UPLOAD_MAX_TOTAL_MB"], "MB")}
    if limits["UPLOAD_MAX_FILE_MB"] > limits["UPLOAD_MAX_TOTAL_MB"]:
        raise ConfigError(f"{PREFIX}UPLOAD_MAX_FILE_MB ({limits['UPLOAD_MAX_FILE_MB']}) cannot be larger than "
                          f"{PREFIX}UPLOAD_MAX_TOTAL_MB ({limits['UPLOAD_MAX_TOTAL_MB']}).")
    limits["MAX_CONTENT_LENGTH"] = (limits["UPLOAD_MAX_TOTAL_MB"] + 1) * 1024 * 1024
    return limits


def _login_limits(values: dict, relaxed: bool) -> None:
    """Refuse a limiter that would not hold in production: counts kept per process (each gunicorn worker
    would allow the full number of guesses, and a restart forgets them), or a limit that does not parse."""
    from limits import parse

    storage = str(values["RATELIMIT_STORAGE_URI"] or "database")
    if storage.startswith("memory") and not relaxed:
        raise ConfigError(f"{PREFIX}RATELIMIT_STORAGE_URI=memory:// counts failed log-ins per process and is "
                          "allowed only in demo or test mode: set it to `database` or a redis:// URL.")
    if storage != "database" and not storage.startswith(("memory", "redis", "rediss", "valkey")):
        raise ConfigError(f"{PREFIX}RATELIMIT_STORAGE_URI must be `database` or a redis:// URL (got {storage!r}).")
    for name in ("LOGIN_LIMIT", "LOGIN_ACCOUNT_LIMIT"):
        try:
            parse(str(values[name]))
        except ValueError:
            raise ConfigError(f"{PREFIX}{name} must read like `5 per 15 minutes` (got {values[name]!r}).") from None


def _dashboard_max_age(value) -> int:
    """Seconds (0: no snapshot, every view computes); at most a day: a snapshot says “数据截至 HH:MM”, no date."""
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        seconds = -1
    if not 0 <= seconds <= 86400:
        raise ConfigError(f"{PREFIX}DASHBOARD_MAX_AGE must be a whole number of seconds from 0 (compute on every "
                          f"view) to 86400 (got {value!r}).")
    return seconds


def _hour(value) -> int:
    try:
        hour = int(value)
    except (TypeError, ValueError):
        hour = -1
    if not 0 <= hour <= 23:
        raise ConfigError(f"{PREFIX}NOTIFY_HOUR must be an hour from 0 to 23 (got {value!r}).")
    return hour


def _idle_minutes(value) -> int:
    minutes = _positive_int("IDLE_MINUTES", value, "minutes")
    if minutes < 2:  # the warning comes a minute before the end: one minute would warn at once
        raise ConfigError(f"{PREFIX}IDLE_MINUTES must be at least 2 minutes (got {value!r}).")
    return minutes


#: What a tile URL template may hold besides its text: Leaflet fills these in, and refuses any other {name}.
TILE_PLACEHOLDERS = {"{s}", "{z}", "{x}", "{y}", "{-y}"}
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")


def _tile_url(name: str, value: str, subdomains: list[str]) -> tuple[str, ...]:
    """Check a tile URL template; return the origins its tiles come from (one per subdomain), which are
    exactly what the CSP's img-src must add. Only an origin of plain host characters reaches the header."""
    parts = urlsplit(value)
    where = f"{PREFIX}{name}"
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(f"{where} must be an https:// (or http://) URL template (got {value!r}).")
    if any(c.isspace() or c in "'\"<>" for c in value):
        raise ConfigError(f"{where} must not contain spaces or quotes (got {value!r}).")
    unknown = set(re.findall(r"\{[^}]*\}", value)) - TILE_PLACEHOLDERS
    if unknown or not all(p in value for p in ("{z}", "{x}")) or not ("{y}" in value or "{-y}" in value):
        raise ConfigError(f"{where} must contain {{z}}, {{x}} and {{y}} and no other placeholder than {{s}} "
                          f"(got {value!r}).")
    netloc = parts.netloc
    if "@" in netloc:
        raise ConfigError(f"{where} must not carry a user name or password (got {value!r}).")
    if "{s}" in value and not subdomains:
        raise ConfigError(f"{where} has {{s}}: set {PREFIX}MAP_TILE_SUBDOMAINS to its values (天地图: 01234567).")
    hosts = [netloc.replace("{s}", s) for s in subdomains] if "{s}" in netloc else [netloc]
    origins = []
    for host in hosts:
        name_part, _, port = host.partition(":")
        if "{" in host or not _HOST.match(name_part) or (port and not port.isdigit()):
            raise ConfigError(f"{where}: {host!r} is not a host name ({{s}} may only stand for part of the host).")
        origins.append(f"{parts.scheme}://{host.lower()}")
    return tuple(origins)


def _map_tiles(values: dict) -> dict:
    """The wells map's tile service, checked at start-up: None (the offline map) or the layers, the
    attribution and the origins the CSP lets images come from (nothing else is added)."""
    url, labels = str(values["MAP_TILE_URL"] or "").strip(), str(values["MAP_LABEL_URL"] or "").strip()
    max_zoom = _positive_int("MAP_MAX_ZOOM", values["MAP_MAX_ZOOM"], "zoom levels")
    if max_zoom > 22:
        raise ConfigError(f"{PREFIX}MAP_MAX_ZOOM must be at most 22 (got {values['MAP_MAX_ZOOM']!r}).")
    if not url:
        if labels:
            raise ConfigError(f"{PREFIX}MAP_LABEL_URL is drawn over {PREFIX}MAP_TILE_URL: set that too, or neither.")
        return {"MAP_TILES": None, "MAP_TILE_ORIGINS": (), "MAP_MAX_ZOOM": max_zoom}
    raw = str(values["MAP_TILE_SUBDOMAINS"] or "").strip()
    subdomains = [s.strip() for s in raw.split(",") if s.strip()] if "," in raw else list(raw)
    if any(not _HOST.match(s) for s in subdomains):
        raise ConfigError(f"{PREFIX}MAP_TILE_SUBDOMAINS must be letters and digits (got {raw!r}).")
    attribution = str(values["MAP_TILE_ATTRIBUTION"] or "").strip()
    if not attribution or len(attribution) > 200:
        raise ConfigError(f"{PREFIX}MAP_TILE_ATTRIBUTION must name the tile service as its terms ask (at most 200 "
                          "characters), e.g. ©天地图 and its 审图号: a tile service is shown with its attribution.")
    origins = _tile_url("MAP_TILE_URL", url, subdomains)
    if labels:
        origins += tuple(o for o in _tile_url("MAP_LABEL_URL", labels, subdomains) if o not in origins)
    return {"MAP_TILES": {"url": url, "labels": labels or None, "subdomains": subdomains,
                          "attribution": attribution, "maxZoom": max_zoom},
            "MAP_TILE_ORIGINS": origins, "MAP_MAX_ZOOM": max_zoom}


def from_environment(overrides: dict | None = None) -> dict:
    """The Flask config mapping built from the environment, then ``overrides`` (used by tests)."""
    values = {name: os.environ.get(PREFIX + name, default) for name, (default, _) in SETTINGS.items()}
    overrides = dict(overrides or {})
    testing = bool(overrides.get("TESTING"))
    values.update({k: v for k, v in overrides.items() if k in SETTINGS})
    demo = str(values["DEMO"]) == "1"
    if not values["SECRET_KEY"]:
        if not (demo or testing):
            raise ConfigError(
                "WELLS_SECRET_KEY is not set. Outside demo or test mode the application refuses to start "
                "without a secret key: set WELLS_SECRET_KEY to a long random string (or WELLS_DEMO=1 for a demo).")
        values["SECRET_KEY"] = "demo-only-not-secret"
    _login_limits(values, demo or testing)
    audit_key = values["AUDIT_KEY"] or "derived:" + hashlib.sha256(
        b"wells audit chain\0" + values["SECRET_KEY"].encode()).hexdigest()
    config = {
        "SECRET_KEY": values["SECRET_KEY"],
        "AUDIT_KEY": audit_key.encode(),
        "DATABASE_URL": values["DATABASE_URL"],
        "DB_PRE_PING": str(values["DB_PRE_PING"]) == "1",
        "AUDIT_CHECKPOINT_DIR": values["AUDIT_CHECKPOINT_DIR"],
        "AUDIT_CHECKPOINT_MINUTES": _positive_int("AUDIT_CHECKPOINT_MINUTES", values["AUDIT_CHECKPOINT_MINUTES"],
                                                  "minutes"),
        "DEMO": demo,
        "UPLOAD_DIR": values["UPLOAD_DIR"],
        **_upload_limits(values),
        "TIMEZONE": values["TIMEZONE"],
        "BPMN_DIR": values["BPMN_DIR"],
        "RATELIMIT_STORAGE_URI": values["RATELIMIT_STORAGE_URI"],
        "LOGIN_LIMIT": values["LOGIN_LIMIT"],
        "LOGIN_ACCOUNT_LIMIT": values["LOGIN_ACCOUNT_LIMIT"],
        "PAGE_SIZE": int(values["PAGE_SIZE"]),
        "PROXIES": int(values["PROXIES"]),
        "TIMER_INTERVAL": float(values["TIMER_INTERVAL"]),
        "PATROL_DAYS": _positive_int("PATROL_DAYS", values["PATROL_DAYS"]),
        "DASHBOARD_MAX_AGE": _dashboard_max_age(values["DASHBOARD_MAX_AGE"]),
        "IDLE_MINUTES": _idle_minutes(values["IDLE_MINUTES"]),
        "NOTIFY_HOUR": _hour(values["NOTIFY_HOUR"]),
        **_map_tiles(values),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": str(values["SECURE_COOKIES"]) == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": str(values["SECURE_COOKIES"]) == "1",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,  # two weeks on a clerk's own phone, not a year
        "BOOTSTRAP_SERVE_LOCAL": True,
        "WTF_CSRF_TIME_LIMIT": None,  # a clerk may fill a long inspection form in the field
    }
    config.update({k: v for k, v in overrides.items() if k not in SETTINGS})
    return config
