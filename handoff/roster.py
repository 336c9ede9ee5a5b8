"""Who a lead goes to and who hears about it: the policy's roster, SLA and notification tables.

Parsed once from the policy TOML into frozen values (`Policy.roster`,
`Policy.sla`, `Policy.notify`); every bad value fails at start-up with a
`PolicyError` naming its key ("sdrs[1].hours"). Tables:

- `[assignment]` which routes SDRs work, the fallback queue, follow-the-sun,
  the round-robin window;
- `[[sdrs]]` id, name, email, Slack member id, weight, time zone, working hours
  and days, out-of-office periods;
- `[[territories]]` country / region / company-size rules and their SDRs, first
  match wins; `[regions]` adds or replaces region -> countries lists;
- `[account_owners]` email domain -> SDR id;
- `[sla]` response deadlines (SQL in minutes, MQL the same business day);
- `[notify]` sender, SMTP server, retry schedule and `[[notify.targets]]`
  (Slack incoming webhooks, email, signed outgoing webhooks). Secrets (webhook
  URLs, signing secrets, SMTP password) are named by environment variable,
  never written in the file.

Time zones are checked with the standard library's `zoneinfo`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .types import ROUTES

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKDAYS = WEEKDAYS[:5]
TARGET_KINDS = ("slack", "email", "webhook")
ASSIGNEE = "assignee"  # in an email target's `to`: the assigned SDR's address
DEFAULT_SENDER = "Qualifier <qualifier@localhost>"

_SDR_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)$")
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _error(key: str, message: str) -> Exception:
    # Imported here: policy.py imports this module to build its Policy.
    from .policy import PolicyError

    return PolicyError(key, message)


# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class WorkingHours:
    start: time = time(9, 0)
    end: time = time(17, 0)  # time(0, 0) with start > end: the shift runs past midnight
    days: tuple[str, ...] = WORKDAYS

    def contains(self, local: datetime) -> bool:
        day = WEEKDAYS[local.weekday()]
        clock = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return day in self.days and self.start <= clock < self.end
        # Overnight shift: the part after midnight belongs to the previous day's shift.
        if clock >= self.start:
            return day in self.days
        previous = WEEKDAYS[(local.weekday() - 1) % 7]
        return previous in self.days and clock < self.end


@dataclass(frozen=True, slots=True)
class Absence:
    start: date  # first day away (inclusive, SDR's local date)
    end: date  # last day away (inclusive)

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Sdr:
    id: str
    name: str
    email: str | None = None
    slack_id: str | None = None
    weight: int = 1
    timezone: str = "UTC"
    hours: WorkingHours = field(default_factory=WorkingHours)
    out_of_office: tuple[Absence, ...] = ()
    active: bool = True

    def local(self, now: datetime) -> datetime:
        return now.astimezone(ZoneInfo(self.timezone))

    def away(self, now: datetime) -> Absence | None:
        today = self.local(now).date()
        return next((a for a in self.out_of_office if a.covers(today)), None)

    def availability(self, now: datetime) -> str | None:
        """None when the SDR can take a lead now, else why not ("out of office until 2026-04-10")."""
        if not self.active:
            return "inactive"
        absence = self.away(now)
        if absence:
            return f"out of office until {absence.end.isoformat()}"
        if not self.hours.contains(self.local(now)):
            return "outside working hours"
        return None


@dataclass(frozen=True, slots=True)
class Territory:
    name: str
    sdrs: tuple[str, ...]
    countries: tuple[str, ...] = ()  # ISO 3166 alpha-2
    regions: tuple[str, ...] = ()  # names in the region table (EMEA, NORAM, ...)
    min_employees: int | None = None  # compared with the lower bound of the stated size band
    max_employees: int | None = None


@dataclass(frozen=True, slots=True)
class Roster:
    sdrs: tuple[Sdr, ...] = ()
    territories: tuple[Territory, ...] = ()
    account_owners: Mapping[str, str] = field(default_factory=dict)  # email domain -> SDR id
    regions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # extra/replacing region tables
    routes: tuple[str, ...] = ("sql", "mql")  # routes that SDRs work
    fallback_queue: str = "unassigned"
    # With nobody in the territory working now, hand the lead to whoever is working.
    follow_the_sun: bool = True
    window_days: int = 7  # round-robin counts cover this many days of history

    def sdr(self, sdr_id: str) -> Sdr | None:
        return next((s for s in self.sdrs if s.id == sdr_id), None)

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any]) -> Roster:
        settings = _table(doc, "assignment", "assignment")
        _known(settings, "assignment", ("routes", "fallback_queue", "follow_the_sun", "window_days"))
        sdrs = tuple(_sdr(item, f"sdrs[{i}]") for i, item in enumerate(_array(doc, "sdrs", "sdrs")))
        ids = [s.id for s in sdrs]
        for i, sdr_id in enumerate(ids):
            if sdr_id in ids[:i]:
                raise _error(f"sdrs[{i}].id", f"duplicate SDR id {sdr_id!r}")
        regions = {
            str(name): _codes(value, f"regions.{name}")
            for name, value in _table(doc, "regions", "regions").items()
        }
        from .geo import default_regions  # region names a territory may use

        known_regions = set(default_regions()) | set(regions)
        territories = tuple(
            _territory(item, f"territories[{i}]", set(ids), known_regions)
            for i, item in enumerate(_array(doc, "territories", "territories"))
        )
        owners: dict[str, str] = {}
        for domain, owner in _table(doc, "account_owners", "account_owners").items():
            key = f"account_owners.{domain}"
            if not isinstance(domain, str) or not _DOMAIN.match(domain.lower()):
                raise _error(key, "must be an email domain such as example.com")
            if owner not in ids:
                raise _error(key, f"names no SDR in [[sdrs]]: {owner!r}")
            owners[domain.lower()] = owner
        return cls(
            sdrs=sdrs,
            territories=territories,
            account_owners=owners,
            regions=regions,
            routes=_routes(settings.get("routes", ["sql", "mql"]), "assignment.routes"),
            fallback_queue=_name(settings.get("fallback_queue", "unassigned"), "assignment.fallback_queue"),
            follow_the_sun=_bool(settings.get("follow_the_sun", True), "assignment.follow_the_sun"),
            window_days=_positive(settings.get("window_days", 7), "assignment.window_days"),
        )


@dataclass(frozen=True, slots=True)
class Sla:
    """How fast an SDR must answer: the brief's deadline and the dashboard's colours."""

    sql_minutes: int = 5  # a SQL inside business hours
    sql_after_hours_minutes: int = 60  # a SQL outside business hours
    timezone: str = "UTC"  # business hours when the lead has no assigned SDR
    hours: WorkingHours = field(default_factory=WorkingHours)

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any]) -> Sla:
        table = _table(doc, "sla", "sla")
        _known(table, "sla", ("sql_minutes", "sql_after_hours_minutes", "timezone", "hours", "days"))
        return cls(
            sql_minutes=_positive(table.get("sql_minutes", 5), "sla.sql_minutes"),
            sql_after_hours_minutes=_positive(
                table.get("sql_after_hours_minutes", 60), "sla.sql_after_hours_minutes"
            ),
            timezone=_zone(table.get("timezone", "UTC"), "sla.timezone"),
            hours=_hours(table, "sla"),
        )


@dataclass(frozen=True, slots=True)
class Target:
    """One place a routed lead is announced."""

    name: str
    kind: str  # slack | email | webhook
    routes: tuple[str, ...] = ("sql", "mql")
    url: str | None = None  # slack/webhook: the URL itself (not secret) ...
    url_env: str | None = None  # ... or the environment variable holding it (Slack URLs are secrets)
    secret_env: str | None = None  # webhook: the environment variable holding the signing secret
    to: tuple[str, ...] = ()  # email: addresses, or "assignee"
    mention_assignee: bool = True  # slack: mention the assigned SDR by member id

    def wants(self, route: str) -> bool:
        return route in self.routes


@dataclass(frozen=True, slots=True)
class Smtp:
    host: str = "127.0.0.1"
    port: int = 25
    starttls: bool = False
    ssl: bool = False
    username_env: str | None = None
    password_env: str | None = None
    timeout_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class Retry:
    """Exponential backoff: delay n = min(max_seconds, base_seconds * factor**n) ± jitter."""

    attempts: int = 5  # including the first
    base_seconds: float = 2.0
    factor: float = 2.0
    max_seconds: float = 600.0
    jitter: float = 0.2  # a fraction of the delay, drawn from the random source passed in


@dataclass(frozen=True, slots=True)
class Notify:
    sender: str = DEFAULT_SENDER
    targets: tuple[Target, ...] = ()
    smtp: Smtp = field(default_factory=Smtp)
    retry: Retry = field(default_factory=Retry)

    def targets_for(self, route: str) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.wants(route))

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any]) -> Notify:
        table = _table(doc, "notify", "notify")
        _known(table, "notify", ("sender", "targets", "smtp", "retry"))
        sender = table.get("sender", DEFAULT_SENDER)
        if not isinstance(sender, str) or not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", _address_part(sender)):
            raise _error("notify.sender", "must be an address such as 'Qualifier <qualifier@example.com>'")
        targets = tuple(
            _target(item, f"notify.targets[{i}]")
            for i, item in enumerate(_array(table, "targets", "notify.targets"))
        )
        names = [t.name for t in targets]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise _error(f"notify.targets[{i}].name", f"duplicate target name {name!r}")
        return cls(sender=sender, targets=targets, smtp=_smtp(table), retry=_retry(table))


# --------------------------------------------------------------------------- parsing helpers


def _table(doc: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, Mapping):
        raise _error(path, "must be a table")
    return value


def _array(doc: Mapping[str, Any], key: str, path: str) -> list[Mapping[str, Any]]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise _error(path, f"must be an array of tables ([[{path}]])")
    return value


def _known(table: Mapping[str, Any], path: str, allowed: tuple[str, ...]) -> None:
    for key in table:
        if key not in allowed:
            raise _error(f"{path}.{key}", f"unknown key; use one of {', '.join(allowed)}")


def _str(value: Any, key: str, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _error(key, f"must be a non-empty string, got {value!r}")
    return value.strip()


def _name(value: Any, key: str) -> str:
    text = _str(value, key, required=True)
    assert text is not None
    if not _SDR_ID.match(text):
        raise _error(key, "use letters, digits, '.', '_' or '-' (at most 64)")
    return text


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise _error(key, f"must be true or false, got {value!r}")
    return value


def _positive(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _error(key, f"must be a positive integer, got {value!r}")
    return value


def _number(value: Any, key: str, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise _error(key, f"must be a number of at least {minimum:g}, got {value!r}")
    return float(value)


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _error(key, "must be a list of strings")
    return tuple(v.strip() for v in value)


def _routes(value: Any, key: str) -> tuple[str, ...]:
    routes = _strings(value, key)
    for route in routes:
        if route not in ROUTES:
            raise _error(key, f"unknown route {route!r}; use {', '.join(ROUTES)}")
    return routes


def _codes(value: Any, key: str) -> tuple[str, ...]:
    codes = tuple(c.upper() for c in _strings(value, key))
    for code in codes:
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise _error(key, f"{code!r} is not an ISO 3166 two-letter country code")
    return codes


def _zone(value: Any, key: str) -> str:
    name = _str(value, key, required=True)
    assert name is not None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _error(key, f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)") from None
    return name


def _env(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _ENV_NAME.match(value):
        raise _error(
            key, "must name an environment variable in capitals, such as QUALIFIER_SLACK_WEBHOOK_URL"
        )
    return value


def _hours(table: Mapping[str, Any], path: str) -> WorkingHours:
    hours = table.get("hours", "09:00-17:00")
    match = _HOURS.match(hours) if isinstance(hours, str) else None
    if not match:
        raise _error(f"{path}.hours", f"must look like '09:00-17:30', got {hours!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = time(h1, m1), time(0, 0) if h2 == 24 else time(h2, m2)
    if start == end and h2 != 24:  # "00:00-24:00" is all day
        raise _error(f"{path}.hours", "start and end are the same")
    days = _strings(table.get("days", list(WORKDAYS)), f"{path}.days")
    for day in days:
        if day.lower() not in WEEKDAYS:
            raise _error(f"{path}.days", f"unknown day {day!r}; use {', '.join(WEEKDAYS)}")
    return WorkingHours(start=start, end=end, days=tuple(d.lower() for d in days))


def _day(value: Any, key: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _error(key, f"must be a date such as 2026-04-06, got {value!r}")


def _sdr(item: Mapping[str, Any], path: str) -> Sdr:
    _known(
        item,
        path,
        ("id", "name", "email", "slack_id", "weight", "timezone", "hours", "days", "out_of_office", "active"),
    )
    sdr_id = _name(item.get("id"), f"{path}.id")
    email = _str(item.get("email"), f"{path}.email")
    if email is not None and not _EMAIL.match(email):
        raise _error(f"{path}.email", f"not an email address: {email!r}")
    slack_id = _str(item.get("slack_id"), f"{path}.slack_id")
    if slack_id is not None and not _SLACK_ID.match(slack_id):
        raise _error(f"{path}.slack_id", "must be a Slack member id such as U024BE7LH")
    absences = []
    periods = item.get("out_of_office", [])
    if not isinstance(periods, list):
        raise _error(f"{path}.out_of_office", "must be a list of {from = DATE, to = DATE} tables")
    for j, period in enumerate(periods):
        key = f"{path}.out_of_office[{j}]"
        if not isinstance(period, Mapping) or set(period) - {"from", "to"} or "from" not in period:
            raise _error(key, "must be a table {from = DATE, to = DATE}")
        start = _day(period["from"], f"{key}.from")
        end = _day(period.get("to", period["from"]), f"{key}.to")
        if end < start:
            raise _error(f"{key}.to", "ends before it starts")
        absences.append(Absence(start, end))
    return Sdr(
        id=sdr_id,
        name=_str(item.get("name", sdr_id), f"{path}.name", required=True) or sdr_id,
        email=email,
        slack_id=slack_id,
        weight=_positive(item.get("weight", 1), f"{path}.weight"),
        timezone=_zone(item.get("timezone", "UTC"), f"{path}.timezone"),
        hours=_hours(item, path),
        out_of_office=tuple(absences),
        active=_bool(item.get("active", True), f"{path}.active"),
    )


def _territory(item: Mapping[str, Any], path: str, ids: set[str], regions: set[str]) -> Territory:
    _known(item, path, ("name", "sdrs", "countries", "regions", "min_employees", "max_employees"))
    members = _strings(item.get("sdrs", []), f"{path}.sdrs")
    if not members:
        raise _error(f"{path}.sdrs", "names no SDR")
    for member in members:
        if member not in ids:
            raise _error(f"{path}.sdrs", f"names no SDR in [[sdrs]]: {member!r}")
    names = _strings(item.get("regions", []), f"{path}.regions")
    for region in names:
        if region not in regions:
            raise _error(f"{path}.regions", f"unknown region {region!r}; use {', '.join(sorted(regions))}")
    low = item.get("min_employees")
    high = item.get("max_employees")
    low = None if low is None else _positive(low, f"{path}.min_employees")
    high = None if high is None else _positive(high, f"{path}.max_employees")
    if low is not None and high is not None and high < low:
        raise _error(f"{path}.max_employees", "is below min_employees")
    return Territory(
        name=_name(item.get("name"), f"{path}.name"),
        sdrs=members,
        countries=_codes(item.get("countries", []), f"{path}.countries"),
        regions=names,
        min_employees=low,
        max_employees=high,
    )


def _address_part(text: str) -> str:
    match = re.search(r"<([^<>]*)>\s*$", text)
    return (match.group(1) if match else text).strip()


def _target(item: Mapping[str, Any], path: str) -> Target:
    _known(item, path, ("name", "kind", "routes", "url", "url_env", "secret_env", "to", "mention_assignee"))
    kind = item.get("kind")
    if kind not in TARGET_KINDS:
        raise _error(f"{path}.kind", f"must be one of {', '.join(TARGET_KINDS)}, got {kind!r}")
    url = _str(item.get("url"), f"{path}.url")
    if url is not None and not re.match(r"^https?://[^\s]+$", url):
        raise _error(f"{path}.url", "must be an http(s) URL")
    url_env = _env(item.get("url_env"), f"{path}.url_env")
    secret_env = _env(item.get("secret_env"), f"{path}.secret_env")
    to = _strings(item.get("to", []), f"{path}.to")
    if kind in ("slack", "webhook") and (url is None) == (url_env is None):
        raise _error(f"{path}.url", f"a {kind} target needs exactly one of url or url_env")
    if kind == "webhook" and secret_env is None:
        raise _error(
            f"{path}.secret_env", "a webhook target is signed: name the environment variable of its secret"
        )
    if kind == "email":
        if not to:
            raise _error(f"{path}.to", "an email target needs addresses or 'assignee'")
        for address in to:
            if address != ASSIGNEE and not _EMAIL.match(address):
                raise _error(f"{path}.to", f"not an email address: {address!r}")
    return Target(
        name=_name(item.get("name"), f"{path}.name"),
        kind=kind,
        routes=_routes(item.get("routes", ["sql", "mql"]), f"{path}.routes"),
        url=url,
        url_env=url_env,
        secret_env=secret_env,
        to=to,
        mention_assignee=_bool(item.get("mention_assignee", True), f"{path}.mention_assignee"),
    )


def _smtp(table: Mapping[str, Any]) -> Smtp:
    smtp = _table(table, "smtp", "notify.smtp")
    _known(
        smtp,
        "notify.smtp",
        ("host", "port", "starttls", "ssl", "username_env", "password_env", "timeout_seconds"),
    )
    port = smtp.get("port", 25)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise _error("notify.smtp.port", f"must be a port number, got {port!r}")
    result = Smtp(
        host=_str(smtp.get("host", "127.0.0.1"), "notify.smtp.host", required=True) or "127.0.0.1",
        port=port,
        starttls=_bool(smtp.get("starttls", False), "notify.smtp.starttls"),
        ssl=_bool(smtp.get("ssl", False), "notify.smtp.ssl"),
        username_env=_env(smtp.get("username_env"), "notify.smtp.username_env"),
        password_env=_env(smtp.get("password_env"), "notify.smtp.password_env"),
        timeout_seconds=_number(smtp.get("timeout_seconds", 10.0), "notify.smtp.timeout_seconds", 0.1),
    )
    if result.starttls and result.ssl:
        raise _error("notify.smtp.ssl", "choose starttls or ssl, not both")
    return result


def _retry(table: Mapping[str, Any]) -> Retry:
    retry = _table(table, "retry", "notify.retry")
    _known(retry, "notify.retry", ("attempts", "base_seconds", "factor", "max_seconds", "jitter"))
    jitter = _number(retry.get("jitter", 0.2), "notify.retry.jitter")
    if jitter > 1:
        raise _error("notify.retry.jitter", "is a fraction of the delay: at most 1")
    return Retry(
        attempts=_positive(retry.get("attempts", 5), "notify.retry.attempts"),
        base_seconds=_number(retry.get("base_seconds", 2.0), "notify.retry.base_seconds"),
        factor=_number(retry.get("factor", 2.0), "notify.retry.factor", 1.0),
        max_seconds=_number(retry.get("max_seconds", 600.0), "notify.retry.max_seconds"),
        jitter=jitter,
    )
