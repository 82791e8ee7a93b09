"""Spending and token figures, read from the messages table. Read-only.

Money is summed in Python as Decimal: cost_usd is TEXT on purpose, and SQLite's SUM would turn it
into a float. A reply whose price was unknown has cost_usd NULL; it is counted apart ("3 replies
with unknown price"), never as $0. Replies on this computer are stored as "0".

Days and months are the user's, in their local time zone (`tz`, default the computer's), while
`created` is UTC ISO-8601 text. Rows are fetched with a day of slack either side of the range and
filtered exactly in Python, so odd timestamp spellings cannot slip across a boundary.

Replies from deleted conversations still count: the money was spent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING

from app.core.money import ZERO, parse_amount

if TYPE_CHECKING:  # sqlite-utils is imported when a Store opens (see store._sqlite_utils)
    import sqlite_utils

ON_THIS_COMPUTER = "on this computer"
_SLACK = timedelta(days=1)
_COLUMNS = """id, conversation_id, created, model_id, provider, destination, status,
              coalesce(input_tokens, 0), coalesce(output_tokens, 0), cost_usd,
              length(coalesce(content, '')) > 0, client"""
# Served requests not kept as chats (app/store/served.py): ids negated so they never collide
# with a message's, conversation 0; a request that was refused before any token counts no reply.
_SERVED_COLUMNS = """-id, 0, created, model_id, provider, destination, status,
              coalesce(input_tokens, 0), coalesce(output_tokens, 0), cost_usd,
              status = 'ok', client"""
# Replies imported from another app were paid for there (a ChatGPT subscription, not a Hearth
# key): not this app's usage, and never "price unknown".
BILLED_ELSEWHERE = ("chatgpt",)
# A reply still streaming has no final tokens or cost yet; counting it would show it as unknown.
_REPLIES = (
    "role = 'assistant' AND status != 'streaming' "
    f"AND coalesce(provider, '') NOT IN ({', '.join(repr(p) for p in BILLED_ELSEWHERE)})"
)


@dataclass(frozen=True, slots=True)
class UsageRow:
    message_id: int
    conversation_id: int
    created: str  # UTC ISO-8601, as stored
    model_id: str | None
    provider: str | None
    destination: str | None
    status: str
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal | None  # None: the price was unknown
    # A failed send (offline, unreachable, refused) wrote no words: its tokens and cost still
    # count (a provider may bill a failure), but it is not a reply.
    produced_text: bool = True
    # The app that asked through the local server (a token's name or User-Agent); None for the
    # window's and the command line's own replies.
    client: str | None = None

    @property
    def is_local(self) -> bool:
        """Same rule as records.Message: where the words went, fixed when they were sent."""
        if self.destination:  # also "on this computer · also sent to …": written here
            return self.destination.startswith(ON_THIS_COMPUTER)
        return self.provider in (None, "local")

    @property
    def created_at(self) -> datetime:
        stamp = datetime.fromisoformat(self.created.replace("Z", "+00:00"))
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Totals:
    cost_usd: Decimal = ZERO  # the replies whose price is known
    input_tokens: int = 0
    output_tokens: int = 0
    replies: int = 0
    unknown_price_replies: int = 0
    local_replies: int = 0

    @property
    def cloud_replies(self) -> int:
        return self.replies - self.local_replies

    @property
    def cost_known(self) -> bool:
        """False when every cloud reply counted here had an unknown price."""
        return self.unknown_price_replies == 0 or self.unknown_price_replies < self.cloud_replies


@dataclass(frozen=True, slots=True)
class ModelTotals:
    model_id: str
    provider: str
    is_local: bool
    totals: Totals


@dataclass(frozen=True, slots=True)
class ProviderTotals:
    provider: str
    is_local: bool
    totals: Totals


@dataclass(frozen=True, slots=True)
class DayTotals:
    day: date
    totals: Totals


@dataclass(frozen=True, slots=True)
class LocalVsCloud:
    local: Totals
    cloud: Totals

    @property
    def local_share(self) -> float | None:
        """Share of replies answered on this computer (0..1); a ratio for a chart, not money."""
        total = self.local.replies + self.cloud.replies
        return self.local.replies / total if total else None


# -- time ranges --------------------------------------------------------------------------------


def local_now(tz: tzinfo | None = None) -> datetime:
    return datetime.now(UTC).astimezone(tz)


def local_midnight(day: date, tz: tzinfo | None = None) -> datetime:
    """The instant the local day starts. Without `tz` the computer's rules decide the offset
    for that very date, so a month spanning a daylight-saving change is cut correctly."""
    naive = datetime(day.year, day.month, day.day)
    return naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()


def day_range(day: date, tz: tzinfo | None = None) -> tuple[datetime, datetime]:
    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)


def month_range(year: int, month: int, tz: tzinfo | None = None) -> tuple[datetime, datetime]:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return local_midnight(first, tz), local_midnight(following, tz)


def utc_text(moment: datetime) -> str:
    """The stored spelling of an instant (Store.now): UTC, microseconds, +00:00."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


# -- rows ---------------------------------------------------------------------------------------


def rows(
    db: sqlite_utils.Database, since: datetime | None = None, until: datetime | None = None
) -> list[UsageRow]:
    """Every finished reply with since <= created < until (aware datetimes), oldest first."""
    where, params = [_REPLIES], []
    if since is not None:
        where.append("created >= ?")
        params.append(utc_text(since - _SLACK))
    if until is not None:
        where.append("created < ?")
        params.append(utc_text(until + _SLACK))
    found = _select(db, " AND ".join(where), params)
    found += _served(db, where[1:], params)
    found.sort(key=lambda r: r.created)
    return [r for r in found if _within(r.created_at, since, until)]


def _served(db: sqlite_utils.Database, where: list[str], params: list) -> list[UsageRow]:
    if not _has_served_table(db):  # a listing store opened before migration m018
        return []
    sql = f"SELECT {_SERVED_COLUMNS} FROM served_requests"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [_row(r) for r in db.execute(sql + " ORDER BY created, id", params).fetchall()]


def _has_served_table(db: sqlite_utils.Database) -> bool:
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'served_requests'"
    return db.execute(sql).fetchone() is not None


def _within(moment: datetime, since: datetime | None, until: datetime | None) -> bool:
    return (since is None or moment >= since) and (until is None or moment < until)


def _select(db: sqlite_utils.Database, where: str, params: list) -> list[UsageRow]:
    sql = f"SELECT {_COLUMNS} FROM messages WHERE {where} ORDER BY created, id"
    return [_row(r) for r in db.execute(sql, params).fetchall()]


def _row(r: tuple) -> UsageRow:
    return UsageRow(
        message_id=r[0],
        conversation_id=r[1],
        created=r[2],
        model_id=r[3],
        provider=r[4],
        destination=r[5],
        status=r[6],
        input_tokens=int(r[7]),
        output_tokens=int(r[8]),
        cost_usd=_stored_cost(r[9]),
        produced_text=bool(r[10]),
        client=r[11],
    )


def _stored_cost(text: str | None) -> Decimal | None:
    try:
        return parse_amount(text)
    except Exception:  # a hand-edited or damaged value is unknown, not a crash or $0
        return None


# -- sums ---------------------------------------------------------------------------------------


def summarise(found: Iterable[UsageRow]) -> Totals:
    cost, tokens_in, tokens_out, replies, unknown, local = ZERO, 0, 0, 0, 0, 0
    for row in found:
        tokens_in += row.input_tokens
        tokens_out += row.output_tokens
        if row.produced_text:  # "4 replies" must mean four answers, not failed sends
            replies += 1
            local += row.is_local
        if row.cost_usd is None and not row.is_local:
            unknown += row.produced_text
            continue
        cost += row.cost_usd or ZERO
    return Totals(cost, tokens_in, tokens_out, replies, unknown, local)


def _grouped(found: Iterable[UsageRow], key: Callable[[UsageRow], object]) -> Iterator:
    groups: dict[object, list[UsageRow]] = {}
    for row in found:
        groups.setdefault(key(row), []).append(row)
    return iter(groups.items())


def _by_cost(item) -> tuple:
    return (-item.totals.cost_usd, -(item.totals.input_tokens + item.totals.output_tokens))


def totals(db: sqlite_utils.Database, since: datetime | None, until: datetime | None) -> Totals:
    return summarise(rows(db, since, until))


def by_model(
    db: sqlite_utils.Database, since: datetime | None, until: datetime | None
) -> list[ModelTotals]:
    """Per model, dearest first. Carries token counts too ("what would this month have cost")."""
    return group_by_model(rows(db, since, until))


def by_provider(
    db: sqlite_utils.Database, since: datetime | None, until: datetime | None
) -> list[ProviderTotals]:
    return group_by_provider(rows(db, since, until))


def group_by_model(found: Iterable[UsageRow]) -> list[ModelTotals]:
    groups = _grouped(found, lambda r: (r.model_id or "unknown", r.is_local))
    result = [
        ModelTotals(model_id, group[0].provider or "local", is_local, summarise(group))
        for (model_id, is_local), group in groups
    ]
    return sorted(result, key=_by_cost)


def group_by_provider(found: Iterable[UsageRow]) -> list[ProviderTotals]:
    groups = _grouped(found, lambda r: (r.provider or "local", r.is_local))
    result = [
        ProviderTotals(provider, is_local, summarise(group))
        for (provider, is_local), group in groups
    ]
    return sorted(result, key=_by_cost)


def local_vs_cloud(
    db: sqlite_utils.Database, since: datetime | None, until: datetime | None
) -> LocalVsCloud:
    found = rows(db, since, until)
    return LocalVsCloud(
        local=summarise(r for r in found if r.is_local),
        cloud=summarise(r for r in found if not r.is_local),
    )


def per_day(
    db: sqlite_utils.Database,
    *,
    days: int = 30,
    today: date | None = None,
    tz: tzinfo | None = None,
) -> list[DayTotals]:
    """The last `days` local days up to and including today, oldest first, empty days included
    (a chart needs every bar)."""
    today = today or local_now(tz).date()
    first = today - timedelta(days=days - 1)
    since, until = local_midnight(first, tz), local_midnight(today + timedelta(days=1), tz)
    buckets: dict[date, list[UsageRow]] = {first + timedelta(days=i): [] for i in range(days)}
    for row in rows(db, since, until):
        buckets[row.created_at.astimezone(tz).date()].append(row)
    return [DayTotals(day, summarise(group)) for day, group in buckets.items()]


def conversation_total(db: sqlite_utils.Database, conversation_id: int) -> Totals:
    """Every reply in the conversation, on every branch: a regenerated or compared reply was
    paid for even if it is not the one shown."""
    return summarise(_select(db, f"{_REPLIES} AND conversation_id = ?", [conversation_id]))


def recent_output_tokens(db: sqlite_utils.Database, model_id: str, limit: int = 20) -> list[int]:
    """Output tokens of the model's latest complete replies, newest first (for estimates)."""
    sql = """SELECT output_tokens FROM messages
             WHERE role = 'assistant' AND status = 'complete' AND model_id = ?
               AND output_tokens > 0
             ORDER BY id DESC LIMIT ?"""
    return [int(r[0]) for r in db.execute(sql, [model_id, limit]).fetchall()]
