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
