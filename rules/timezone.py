"""China time: the one timezone every statutory date, deadline and audit day is reckoned in.

Servers often run in UTC; a deadline ends at 24:00 in China and an audit day begins at 00:00 in China,
whatever the server's clock says. (How times are *shown* is the web app's setting ``TIMEZONE``.)
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

#: China Standard Time (UTC+8, no daylight saving since 1991).
CHINA = ZoneInfo("Asia/Shanghai")


def today_in_china() -> date:
    """Today's date in China, independent of the server's timezone."""
    return datetime.now(CHINA).date()


def china_date(value: date) -> date:
    """Reduce a ``date``/``datetime`` to the China-local calendar date.

    ``datetime`` is a subclass of ``date``; without this, ``datetime + timedelta`` would carry a
    time of day along and an aware UTC datetime late in the evening would be counted on the
    wrong calendar day. Naive datetimes are taken to be China local time already.
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(CHINA)
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"需要日期（date），实际得到 {type(value).__name__}：{value!r}")

