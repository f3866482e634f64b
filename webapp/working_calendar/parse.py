"""Read a year's arrangement as the office pastes or uploads it. Nothing is guessed: a line that is not
understood is refused with its number and text, and nothing is saved.

Two ways of writing it (README, "工作日历"):

* one date a line: ``2027-02-05 休 春节`` (a day off), ``2027-02-20 班 春节`` (a 调休 working day);
  a range ``2027-02-05 至 2027-02-11 休 春节``; the holiday's name is optional; ``#`` starts a comment;
* the State Council notice's own items, one a line, as published: ``一、元旦：1月1日（周五）至3日（周日）放假
  调休，共3天。`` / ``二、春节：2月5日（农历除夕、周五）至11日（农历正月初七、周四）放假调休，共7天。2月7日
  （周日）、2月20日（周六）上班。`` The title line (…关于2027年部分节假日安排的通知) gives the year.

Days of December of the year before (元旦 bridged back) belong to the year's arrangement.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

WEEKDAYS = "一二三四五六日"
_DATE = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_LINE = re.compile(rf"^{_DATE}(?:\s*(?:至|到|~|--|—|～)\s*{_DATE})?\s*(休|班)\s*(\S{{0,32}})$")
_TITLE = re.compile(r"关于\s*(\d{4})\s*年.*节假日安排")
_ITEM = re.compile(r"^[一二三四五六七八九十]+、\s*([^：:]{1,16})[：:]\s*(.+)$")
_PAREN = re.compile(r"[（(][^）)]*[）)]")
_OFF = re.compile(r"^(\d{1,2})月(\d{1,2})日(?:至(?:(\d{1,2})月)?(\d{1,2})日)?放假(?:调休)?(?:(\d+)天)?(?:，(?:共(\d+)天|不调休|与周末连休))*")
_WORK_DAY = re.compile(r"(\d{1,2})月(\d{1,2})日")


class CalendarParseError(ValueError):
    """A line that is not understood; the message names it and says what is wrong, in Chinese."""


@dataclass
class ParsedYear:
    year: int
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)

    def days(self) -> list[tuple[date, str, str]]:
        """(day, kind 休/班, name), in date order."""
        rows = [(d, "休", n) for d, n in self.holidays.items()] + [(d, "班", n) for d, n in self.workdays.items()]
        return sorted(rows)


def _refuse(number: int, line: str, why: str):
    raise CalendarParseError(f"第 {number} 行“{line[:60]}”无法识别：{why}")


def _day(number: int, line: str, y: int, m: int, d: int) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        _refuse(number, line, f"{y}年{m}月{d}日不是有效日期。")


def parse(text: str, year: int | None = None) -> ParsedYear:
    """The arrangement written in ``text`` for ``year`` (None: from the title line or the dates)."""
    lines = [(i, unicodedata.normalize("NFKC", raw).strip()) for i, raw in enumerate(text.splitlines(), 1)]
    # NFKC turns full-width digits and colons into ASCII but keeps （）and ，as the notice prints them
    # in full width: the patterns accept both.
    lines = [(i, line.replace("(", "（").replace(")", "）").replace(",", "，").replace(":", "："))
             for i, line in lines if line and not line.startswith("#")]
    if not lines:
        raise CalendarParseError("没有填写任何日期。请每行填写一个日期，或粘贴通知中的各项安排。")
    for _i, line in lines:
        if (m := _TITLE.search(line)) and year is None:
            year = int(m.group(1))
    if year is None:
        years = [int(m.group(1)) for _i, line in lines if (m := re.match(_DATE, line))]
        if not years:
            raise CalendarParseError("无法确定年份：请填写年份，或粘贴通知的标题（……关于2027年部分节假日安排的通知）。")
        year = max(years)
    result = ParsedYear(year)
    for number, line in lines:
        if _TITLE.search(line):
            continue
        if re.match(r"^\d{4}-", line):
            _date_line(result, number, line)
        elif _ITEM.match(line):
            _notice_item(result, number, line)
        else:
            _refuse(number, line, "请每行填写“日期 休/班 节日名称”（如 2027-01-01 休 元旦），"
                                  "或粘贴通知中以“一、”“二、”……开头的各项安排。")
    return result


def _add(result: ParsedYear, number: int, line: str, day: date, kind: str, name: str) -> None:
    first = date(result.year - 1, 12, 25)
    if not first <= day <= date(result.year, 12, 31):
        _refuse(number, line, f"{day.isoformat()} 不属于 {result.year} 年的节假日安排。")
    mine, other = (result.holidays, result.workdays) if kind == "休" else (result.workdays, result.holidays)
    if day in other:
        _refuse(number, line, f"{day.isoformat()} 已在前面填为{'上班' if kind == '休' else '放假'}，同一天不能既放假又上班。")
    if kind == "班" and day.weekday() < 5:
        _refuse(number, line, f"{day.isoformat()} 是星期{WEEKDAYS[day.weekday()]}，本来就上班；调休上班的日子应是周六或周日。")
    mine[day] = name or mine.get(day, "")


def _date_line(result: ParsedYear, number: int, line: str) -> None:
    m = _LINE.match(line)
    if not m:
        _refuse(number, line, "格式应为“2027-01-01 休 元旦”或“2027-02-05 至 2027-02-11 休 春节”，“休”为放假，“班”为调休上班。")
    first = _day(number, line, *map(int, m.group(1, 2, 3)))
    last = _day(number, line, *map(int, m.group(4, 5, 6))) if m.group(4) else first
    if last < first or (last - first).days > 15:
        _refuse(number, line, "日期范围应由早到晚，且不超过15天。")
    kind, name = m.group(7), m.group(8)
    day = first
    while day <= last:
        _add(result, number, line, day, kind, name)
        day += timedelta(days=1)


def _notice_item(result: ParsedYear, number: int, line: str) -> None:
    """One item of the notice: 名称：M月D日至[M月]D日放假[调休]，共N天[。M月D日、M月D日上班]。"""
    name, body = _ITEM.match(line).groups()
    name = name.strip().split("、")[0]
    body = _PAREN.sub("", body).replace(" ", "")
    sentences = [s for s in body.split("。") if s]
    if not sentences:
        _refuse(number, line, "没有找到放假日期。")
    off = _OFF.match(sentences[0])
    if not off:
        _refuse(number, line, "第一句应为“M月D日至D日放假调休，共N天”或“M月D日放假，共N天”。")
    m1, d1 = int(off.group(1)), int(off.group(2))
    m2, d2 = int(off.group(3) or m1), int(off.group(4) or d1)
    year_of = lambda month: result.year - 1 if month == 12 and name.startswith("元旦") else result.year  # noqa: E731
    first = _day(number, line, year_of(m1), m1, d1)
    last = _day(number, line, year_of(m2), m2, d2)
    count = (last - first).days + 1
    total = off.group(6) or off.group(5)
    if last < first or count > 15:
        _refuse(number, line, "放假日期范围应由早到晚，且不超过15天。")
    if total and int(total) != count:
        _refuse(number, line, f"“共{total}天”与放假日期（{count}天）不符，请核对。")
    rest = sentences[0][off.end():]
    if rest.strip("，"):
        _refuse(number, line, f"无法识别“{rest[:20]}”。")
    day = first
    while day <= last:
        _add(result, number, line, day, "休", name)
        day += timedelta(days=1)
    for sentence in sentences[1:]:
        if not sentence.endswith("上班"):
            _refuse(number, line, f"无法识别“{sentence[:20]}”：放假之后应只有“M月D日、M月D日上班”。")
        dates = _WORK_DAY.findall(sentence)
        leftover = _WORK_DAY.sub("", sentence[:-2]).replace("、", "").replace("和", "")
        if not dates or leftover:
            _refuse(number, line, f"无法识别“{sentence[:20]}”。")
        for m, d in dates:
            _add(result, number, line, _day(number, line, year_of(int(m)), int(m), int(d)), "班", name)
