"""The campaign's phases (plan §四 时间节点) as settings, and their timeline with today marked.

Defaults are the plan's dates (乳政办发〔2022〕3号): month and day of each phase, in the year
``WELLS_CAMPAIGN_YEAR``; unset, the year of the data: the campaign that had begun when the first case was
registered (China time; this year before any case), so that the dashboard neither shows a campaign long over
nor leaves the first cases before its start. A phase moved by the city is set on its own with ``WELLS_PHASE_<KEY>`` as
``YYYY-MM-DD/YYYY-MM-DD`` (an open end, like the long-term phase 3: ``YYYY-MM-DD/``). The settings
follow ``webapp/config.py``'s style (``SETTINGS`` name -> (default, description), the ``WELLS_``
prefix, an app-config override beats the environment) and are read once, when the blueprint is
registered: a wrong value stops the application at start-up with a message naming the variable.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta

from rules.timezone import today_in_china

from ..core.config import PREFIX, ConfigError


@dataclass(frozen=True)
class PhaseSpec:
    key: str
    name: str
    start: tuple[int, int, int]        # (year offset from the campaign year, month, day)
    end: tuple[int, int, int] | None   # None: long-term, no end
    units: str                         # 牵头/责任单位 as the plan names them
    work: str


PLAN: tuple[PhaseSpec, ...] = (
    PhaseSpec("publicity", "宣传阶段", (0, 7, 15), (0, 12, 31), "市委宣传部、市水利局、市融媒体中心、各镇区",
              "发放“致全市人民的一封信”，利用各类媒体宣传专项整治行动"),
    PhaseSpec("mobilisation", "动员阶段", (0, 7, 15), (0, 7, 20), "市水利局、水务集团、各镇区",
              "召开动员会议；各镇区梳理用水户名录形成台账；水务集团报送管网覆盖范围内用水户名录、管网分布图及封闭施工规范"),
    PhaseSpec("supervision_1", "督查第一阶段", (0, 7, 21), (0, 8, 31), "牵头：市水利局；属地镇区配合",
              "对公共供水管网覆盖区域内所有用水户拉网式督导检查，确保一户不漏"),
    PhaseSpec("supervision_2", "督查第二阶段", (0, 9, 1), (0, 12, 31), "牵头：市水利局；属地镇区配合",
              "对管网未覆盖区域用水户拉网式排查，确保台账准确、信息完善"),
    # "专项整治行动结束后": the day after the campaign's last day (12/31), with no end.
    PhaseSpec("supervision_3", "督查第三阶段（长期）", (1, 1, 1), None, "市水利局",
              "对整改成果开展“回头看”，巩固整治成果"),
    PhaseSpec("rectification", "整改阶段", (0, 7, 21), (0, 12, 31), "牵头：市水利局；各责任单位、各镇区",
              "发现一批、整改一批，建立问题清单，明确整改时限，限期逐一销号"),
    # Weekly dispatch and monthly summary run through the campaign; member units report by 12/30.
    PhaseSpec("summary", "总结阶段", (0, 7, 15), (0, 12, 30), "市委宣传部、市水利局、市融媒体中心",
              "周调度、月总结，编发简报报市政府；12月30日前各成员单位报送整治情况"),
)

# name -> (default, description), as webapp/config.py: the README's configuration table lists them.
SETTINGS: dict[str, tuple[str, str]] = {
    "CAMPAIGN_YEAR": ("", "year the campaign starts in: the plan's phase dates (7/15 …) are placed in it; "
                          "empty = the year of the first case registered (this year before any)"),
    **{f"PHASE_{p.key.upper()}": ("", f"dates of the {p.name} as YYYY-MM-DD/YYYY-MM-DD (open end: YYYY-MM-DD/); "
                                      "empty = the plan's dates in WELLS_CAMPAIGN_YEAR") for p in PLAN},
}


@dataclass(frozen=True)
class Phase:
    key: str
    name: str
    start: date
    end: date | None
    units: str
    work: str

    def status(self, today: date) -> str:
        if today < self.start:
            return "未开始"
        if self.end is not None and today > self.end:
            return "已结束"
        return "进行中"

    @property
    def dates_label(self) -> str:
        end = f"{self.end.year}年{self.end.month}月{self.end.day}日" if self.end else "长期"
        return f"{self.start.year}年{self.start.month}月{self.start.day}日—{end}"


def _value(name: str, config) -> str:
    if name in config:  # create_app(settings) passes the test's override through to app.config
        return str(config[name] or "")
    return os.environ.get(PREFIX + name, SETTINGS[name][0])


def year_is_set(config) -> bool:
    return bool(_value("CAMPAIGN_YEAR", config).strip())


def year_of(first_registered: date) -> int:
    """The campaign year whose start (the plan's 7/15) is on or before the first case's registration."""
    month, day = min((p.start[1], p.start[2]) for p in PLAN if p.start[0] == 0)
    started = (first_registered.month, first_registered.day) >= (month, day)
    return first_registered.year if started else first_registered.year - 1


def from_settings(config, data_year: int | None = None) -> tuple[Phase, ...]:
    """The phases with their dates, from app config / environment / the plan; ConfigError if unreadable.
    Without WELLS_CAMPAIGN_YEAR the plan's dates are placed in ``data_year`` (None: this year in China)."""
    year_text = _value("CAMPAIGN_YEAR", config).strip()
    if not year_text:
        year_text = str(data_year or today_in_china().year)
    if not (year_text.isdigit() and 2000 <= int(year_text) <= 2099):
        raise ConfigError(f"{PREFIX}CAMPAIGN_YEAR={year_text!r} is not a year (2000–2099), e.g. 2022.")
    year = int(year_text)
    phases = []
    for spec in PLAN:
        name = f"PHASE_{spec.key.upper()}"
        text = _value(name, config).strip()
        if text:
            start, end = _interval(PREFIX + name, text)
        else:
            start = date(year + spec.start[0], spec.start[1], spec.start[2])
            end = date(year + spec.end[0], spec.end[1], spec.end[2]) if spec.end else None
        phases.append(Phase(spec.key, spec.name, start, end, spec.units, spec.work))
    return tuple(phases)


def _interval(variable: str, text: str) -> tuple[date, date | None]:
    first, sep, last = text.partition("/")
    try:
        start = date.fromisoformat(first.strip())
        end = date.fromisoformat(last.strip()) if last.strip() else None
    except ValueError:
        start = end = None
    if not sep or start is None or (end is not None and end < start):
        raise ConfigError(f"{variable}={text!r}: write the phase as YYYY-MM-DD/YYYY-MM-DD (start not after end), "
                          "or YYYY-MM-DD/ for a phase without end.")
    return start, end


def campaign_start(phases: tuple[Phase, ...]) -> date:
    return min(p.start for p in phases)


def current(phases: tuple[Phase, ...], today: date) -> list[Phase]:
    return [p for p in phases if p.status(today) == "进行中"]


# -- the timeline drawing: coordinates for the SVG in templates/dashboard/_timeline.html --------------

WIDTH, LEFT, RIGHT, TOP, ROW = 400, 6, 394, 30, 34
OPEN_TAIL = timedelta(days=45)  # how far a phase without end is drawn past the last dated day


@dataclass
class TimelineRow:
    phase: Phase
    status: str
    y: float
    x: float
    width: float


@dataclass
class Timeline:
    rows: list[TimelineRow]
    ticks: list[tuple[float, str]]
    today: date
    today_x: float
    today_where: str   # "" inside the drawn range, else "before" / "after" it
    height: float


def timeline(phases: tuple[Phase, ...], today: date) -> Timeline:
    first = campaign_start(phases)
    last = max((p.end for p in phases if p.end), default=first) + OPEN_TAIL
    days = max((last - first).days, 1)

    def x(day: date) -> float:
        return round(LEFT + (RIGHT - LEFT) * min(max((day - first).days, 0), days) / days, 1)

    rows = []
    for n, phase in enumerate(sorted(phases, key=lambda p: (p.start, p.end or date.max))):
        end = phase.end + timedelta(days=1) if phase.end else last
        rows.append(TimelineRow(phase, phase.status(today), TOP + n * ROW, x(phase.start),
                                max(x(end) - x(phase.start), 2.0)))
    ticks, month = [], date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            ticks.append((x(month), f"{month.month}月" if month.month != 1 else f"{month.year}年1月"))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    where = "before" if today < first else "after" if today > last else ""
    return Timeline(rows, ticks, today, x(today), where, TOP + len(rows) * ROW + 4)
