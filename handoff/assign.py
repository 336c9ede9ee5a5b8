"""Which SDR gets a routed lead, and why, as a pure function of the lead, roster, history and time.

Order of the rules (first that yields someone available wins):

1. Routes SDRs do not work (by default all but `sql` and `mql`) go to their
   queue: the redirect team, `nurture` or `discard`.
2. Account owner: the email domain (or the website's) is in
   `[account_owners]` and that SDR is working now.
3. Territory: the first `[[territories]]` rule matching country, region and
   company size; weighted round robin among its SDRs working now.
4. Follow the sun (`assignment.follow_the_sun`): weighted round robin among
   every SDR working now.
5. The fallback queue (`assignment.fallback_queue`), with the reason nobody fit.

"Working now" means active, not out of office on their local date, and inside
their working hours in their own time zone. Weighted round robin picks the SDR
with the smallest (leads in the window + 1) / weight, ties to whoever waited
longest, then roster order: with equal weights it is plain rotation, with
weights 2:1 it hands out two leads for every one. History (earlier assignments,
including reassignments, which the service keeps) is passed in; nothing is
stored here. Written by hand: the rules are a few lines each and no library
covers territory plus working-hours routing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from forms.types import Inquiry

from .geo import country_code, employee_band, phone_country, regions_of
from .roster import Roster, Sdr, Territory
from .types import Decision


@dataclass(frozen=True, slots=True)
class PastAssignment:
    """One earlier hand-out of a lead to an SDR (from the service's assignment log)."""

    sdr_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Assignment:
    sdr: Sdr | None  # None: the lead waits in `queue`
    queue: str | None  # fallback queue, team or route when nobody is assigned
    reason: str  # plain words for the SDR and the audit log
    rule: str  # not_worked | owner | territory | follow_the_sun | fallback
    territory: str | None = None

    @property
    def sdr_id(self) -> str | None:
        return self.sdr.id if self.sdr else None


def assign(
    inquiry: Inquiry,
    decision: Decision,
    roster: Roster,
    *,
    now: datetime,
    history: Iterable[PastAssignment] = (),
    exclude: Iterable[str] = (),
) -> Assignment:
    """Choose the SDR for a routed lead. `exclude` names SDRs who must not get it (a reassignment)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if decision.route not in roster.routes:
        queue = (
            decision.redirect_to if decision.route == "redirect" and decision.redirect_to else decision.route
        )
        return Assignment(
            None, queue, f"route {decision.route} is not worked by SDRs: queue {queue}", "not_worked"
        )

    skip = frozenset(exclude)
    notes: list[str] = []
    domain, owner_id = _owner(_domain(inquiry), roster)
    if owner_id and owner_id not in skip:
        owner = roster.sdr(owner_id)
        assert owner is not None  # validated with the policy
        why_not = owner.availability(now)
        if why_not is None:
            return Assignment(owner, None, f"account owner of {domain}", "owner")
        notes.append(f"account owner {owner.name} of {domain} is {why_not}")

    window = [p for p in history if now - timedelta(days=roster.window_days) <= p.at <= now]
    facts = _facts(inquiry, roster)
    territory = next((t for t in roster.territories if _matches(t, facts)), None)
    if territory:
        pool = [s for s in (roster.sdr(i) for i in territory.sdrs) if s is not None]
        chosen, detail = _round_robin(pool, now, window, skip)
        where = f"territory {territory.name} ({facts.describe()})"
        if chosen:
            return Assignment(
                chosen, None, "; ".join([*notes, f"{where}: {detail}"]), "territory", territory.name
            )
        notes.append(f"{where}: {detail}")
    else:
        notes.append(f"no territory matches ({facts.describe()})")

    if roster.follow_the_sun:
        chosen, detail = _round_robin(list(roster.sdrs), now, window, skip)
        if chosen:
            reason = "; ".join([*notes, f"follow the sun: {detail}"])
            return Assignment(chosen, None, reason, "follow_the_sun", territory.name if territory else None)
        notes.append(f"follow the sun: {detail}")
    queue = roster.fallback_queue
    return Assignment(
        None,
        queue,
        "; ".join([*notes, f"waits in queue {queue}"]),
        "fallback",
        territory.name if territory else None,
    )


@dataclass(frozen=True, slots=True)
class _Facts:
    country: str | None
    country_from: str  # "country field" | "phone" | ""
    regions: frozenset[str]
    employees: tuple[int, int | None] | None

    def describe(self) -> str:
        parts = [f"country {self.country} from {self.country_from}" if self.country else "country unknown"]
        if self.employees:
            low, high = self.employees
            parts.append(f"{low}+ employees" if high is None else f"{low}-{high} employees")
        else:
            parts.append("company size unknown")
        return ", ".join(parts)


def _facts(inquiry: Inquiry, roster: Roster) -> _Facts:
    country, origin = country_code(inquiry.country), "country field"
    if country is None:
        country, origin = phone_country(inquiry.contact.phone), "phone"
    return _Facts(
        country=country,
        country_from=origin if country else "",
        regions=regions_of(country, roster.regions),
        employees=employee_band(inquiry.company_size),
    )


def _matches(territory: Territory, facts: _Facts) -> bool:
    if territory.countries or territory.regions:
        in_country = facts.country is not None and facts.country in territory.countries
        in_region = bool(facts.regions.intersection(territory.regions))
        if not (in_country or in_region):
            return False
    if territory.min_employees is not None or territory.max_employees is not None:
        if facts.employees is None:
            return False
        low = facts.employees[0]
        if territory.min_employees is not None and low < territory.min_employees:
            return False
        if territory.max_employees is not None and low > territory.max_employees:
            return False
    return True


def _round_robin(
    pool: list[Sdr], now: datetime, window: list[PastAssignment], skip: frozenset[str]
) -> tuple[Sdr | None, str]:
    names = ", ".join(s.name for s in pool) or "nobody"
    away = [f"{s.name} {why}" for s in pool if s.id not in skip and (why := s.availability(now))]
    ready = [s for s in pool if s.id not in skip and s.availability(now) is None]
    if not ready:
        return None, f"no one available among {names}" + (f" ({'; '.join(away)})" if away else "")
    counts = {s.id: 0 for s in ready}
    last: dict[str, datetime] = {}
    for past in window:
        if past.sdr_id in counts:
            counts[past.sdr_id] += 1
            last[past.sdr_id] = max(last.get(past.sdr_id, past.at), past.at)
    order = {s.id: i for i, s in enumerate(pool)}
    never = datetime.min.replace(tzinfo=UTC)

    def turn(s: Sdr) -> tuple[float, datetime, int]:
        return ((counts[s.id] + 1) / s.weight, last.get(s.id, never), order[s.id])

    chosen = min(ready, key=turn)
    detail = (
        f"round robin among {', '.join(s.name for s in ready)}: {chosen.name} had "
        f"{counts[chosen.id]} lead{'s' if counts[chosen.id] != 1 else ''} in the window at weight {chosen.weight}"
    )
    return chosen, detail


def _owner(domain: str | None, roster: Roster) -> tuple[str | None, str | None]:
    """The account-owner entry for a domain or its parent domains (eu.acme.com -> acme.com)."""
    labels = domain.split(".") if domain else []
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in roster.account_owners:
            return candidate, roster.account_owners[candidate]
    return domain, None


def _domain(inquiry: Inquiry) -> str | None:
    email = inquiry.contact.email
    if email and "@" in email:
        return email.rsplit("@", 1)[1].strip().lower() or None
    website = inquiry.website
    if website:
        host = website.strip().lower().split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        return host.removeprefix("www.") or None
    return None
