"""Each kind of problem (forms.choices.PROBLEM_KINDS) with its legal articles: the provision it violates
and the provision it is punished under (with the fine range), so that the rectification notice cites the
union of its problems' articles and a penalty's facts and basis follow the same table.

Sources (the table with the statutes' text is in docs/procedure.md, "Articles by problem"):
水法 (2016) Arts 48, 69; 取水许可和水资源费征收管理条例 (2017) Arts 2, 20, 48, 53; 地下水管理条例 (2021,
国务院令第748号) Arts 22, 33, 56, 58; 山东省水资源条例 (2017) Art 30; 行政许可法 Art 50; 资源税法 Art 14.
The ranges are the statutes' (DOMAIN.md, "Sanction"): 水法 Art 69 2万–10万, 地下水管理条例 Arts 56 and 58
10万–50万. A problem the water bureau does not fine itself (unpaid water resource tax: the tax office
collects under the tax collection law) has no penalty basis here.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Penalty:
    """A provision a fine rests on: its code (stored in task data), citation, the act it punishes, range."""

    code: str
    citation: str
    act: str
    minimum: int
    maximum: int

    @property
    def heavier_end(self) -> int:
        """The lower bound of the range's upper half: where an aggravated penalty (从重) starts
        (行政处罚法 Art 34: 从重 stays inside the range)."""
        return (self.minimum + self.maximum) // 2


PENALTIES: dict[str, Penalty] = {p.code: p for p in (
    Penalty("water_law_69", "《中华人民共和国水法》第六十九条第（一）项", "未经批准擅自取水", 20_000, 100_000),
    Penalty("water_law_69_2", "《中华人民共和国水法》第六十九条第（二）项", "未依照批准的取水许可规定条件取水",
            20_000, 100_000),
    Penalty("gw_regulation_56", "《地下水管理条例》第五十六条", "地下水取水工程未安装计量设施", 100_000, 500_000),
    Penalty("gw_regulation_58", "《地下水管理条例》第五十八条", "依法应当封井而未按规定封井", 100_000, 500_000),
)}


@dataclass(frozen=True)
class ProblemLaw:
    """What one kind of problem violates and what punishes it. ``facts`` is how a penalty's facts state it."""

    kind: str
    violated: tuple[str, ...]
    penalty: str | None  # a code of PENALTIES; None: not fined by the water bureau
    facts: str
    also_cited: tuple[str, ...] = ()  # cited on the notice besides the violated provision (procedure)


# Provisions as a notice cites them.
WATER_LAW_48 = "《中华人民共和国水法》第四十八条"
PERMIT_REG_2 = "《取水许可和水资源费征收管理条例》第二条"
PERMIT_REG_20 = "《取水许可和水资源费征收管理条例》第二十条第一款第（五）项"
PERMIT_REG_48 = "《取水许可和水资源费征收管理条例》第四十八条"
GW_REG_22 = "《地下水管理条例》第二十二条"
GW_REG_33 = "《地下水管理条例》第三十三条"
SD_WATER_30 = "《山东省水资源条例》第三十条"
LICENSING_50 = "《中华人民共和国行政许可法》第五十条"
RESOURCE_TAX_14 = "《中华人民共和国资源税法》第十四条"

PROBLEM_LAW: dict[str, ProblemLaw] = {p.kind: p for p in (
    ProblemLaw("in_coverage", (SD_WATER_30, GW_REG_33, PERMIT_REG_20), "gw_regulation_58",
               "自备井位于公共供水管网覆盖范围内，依法应当停止取水并封井，仍继续取用地下水、未按规定封井"),
    ProblemLaw("no_permit", (WATER_LAW_48, PERMIT_REG_2), "water_law_69",
               "未依法取得取水许可，擅自取用地下水", also_cited=(PERMIT_REG_48,)),
    ProblemLaw("no_meter", (GW_REG_22,), "gw_regulation_56", "地下水取水工程未安装取水计量设施"),
    ProblemLaw("tax_unpaid", (WATER_LAW_48, RESOURCE_TAX_14), None,
               "未依法登记缴纳水资源税和污水处理费"),
    ProblemLaw("permit_expiring", (SD_WATER_30, PERMIT_REG_20, LICENSING_50), "gw_regulation_58",
               "取水许可有效期届满不予延续，依法应当停止取水并封井"),
    ProblemLaw("over_abstraction", (WATER_LAW_48,), "water_law_69_2",
               "未依照批准的取水许可规定条件取水（超计划或者超许可水量取水）", also_cited=(PERMIT_REG_48,)),
    ProblemLaw("seal_broken", (GW_REG_33, SD_WATER_30), "gw_regulation_58",
               "已封闭的自备井被擅自启封、恢复取用地下水，属新的违法行为"),
    ProblemLaw("other", (), None, ""),
)}

# A broken seal or renewed abstraction found on patrol is a new act, punished more heavily (DOMAIN.md,
# "Patrol"; 行政处罚法 Art 34 keeps 从重 inside the range). The facts a clerk starts from, editable.
AGGRAVATING_FACTS = ("被责令封井并经验收后擅自启封、恢复取水，属明知故犯",
                     "经责令改正、行政处罚后仍不改正")


def law_of(kind: str | None) -> ProblemLaw:
    return PROBLEM_LAW.get(kind or "", PROBLEM_LAW["other"])


def notice_articles(kinds) -> list[str]:
    """The articles a notice listing these kinds of problem cites: the union, in first-mention order,
    each violated provision and then the provision that would punish it."""
    out: list[str] = []
    for kind in kinds:
        law = law_of(kind)
        penalty = PENALTIES.get(law.penalty or "")
        for citation in (*law.violated, *law.also_cited, *((penalty.citation,) if penalty else ())):
            if citation not in out:
                out.append(citation)
    return out


def notice_basis(kinds, extra=()) -> list[str]:
    """What a notice cites: its problems' articles (``notice_articles``), then the clerk's own lines that
    add something (a line a cited article already covers, e.g. 水法第六十九条 beside its item (一), is not
    repeated)."""
    cited = notice_articles(kinds)
    for line in extra:
        line = line.strip()
        if line and not any(article.startswith(line) for article in cited):
            cited.append(line)
    return cited


def penalty_codes(kinds) -> list[str]:
    """The penalty provisions these kinds of problem are punished under, in first-mention order."""
    return list(dict.fromkeys(law_of(k).penalty for k in kinds if law_of(k).penalty))


def violated_articles(kinds) -> list[str]:
    return list(dict.fromkeys(c for k in kinds for c in law_of(k).violated))


def default_penalty(kinds) -> str | None:
    """The provision a penalty for these problems starts from: the one with the highest ceiling (one act
    punished once, under the provision that fits it best; 行政处罚法 Art 29), None if none is fined."""
    codes = penalty_codes(kinds)
    return max(codes, key=lambda c: (PENALTIES[c].maximum, -codes.index(c))) if codes else None


def facts_text(problems) -> str:
    """The facts of a penalty as a clerk starts from them: one line per problem ``(kind, description)``,
    the statute's wording of the act, with what the notice said about this well in brackets."""
    lines = []
    for kind, description in problems:
        wording = law_of(kind).facts
        text = (f"{wording}（{description}）" if description and description != wording else wording) \
            if wording else (description or "")
        if text and text not in lines:
            lines.append(text)
    return "\n".join(lines)
