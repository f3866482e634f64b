"""What the penalty's documents say beyond the common context of ``content.build``: the legal basis and
its range, amounts in figures and in words, the rights and deadlines the party is given (the dates the
diagram's timers hold, fixed at the document's first issue: ``party_deadlines``), and the remedies. Under
the key ``penalty``.

Each document reads only its issuing step's values (as every document does), so each penalty form asks
for what its document states.
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from forms.choices import DISPOSAL_TYPES, choice_label
from forms.penalty_rules import BASES, wan
from forms.validators import format_date_zh
from rules.deadlines import WORKING_DAY_THRESHOLD
from rules.fines import SURCHARGE_RATE, hearing_applies

from ..models import Case
from .catalogue import Kind
from .content import NONE, REMEDIES

DIGITS = "零壹贰叁肆伍陆柒捌玖"
# rules.fines.SURCHARGE_RATE as a document writes it.
RATE_IN_WORDS = {Decimal("0.03"): "百分之三"}[SURCHARGE_RATE]
SMALL_UNITS = ("", "拾", "佰", "仟")
BIG_UNITS = ("", "万", "亿")


def money(amount) -> str:
    """50000 -> "50,000元"; 740.7 -> "740.70元"."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:,.0f}元" if value == value.to_integral() else f"{value:,.2f}元"


def _group(number: int) -> str:
    """0 < number < 10000 in financial numerals, with 零 for inner gaps: 1005 -> 壹仟零伍."""
    text, zero = "", False
    for position in range(3, -1, -1):
        digit = number // 10 ** position % 10
        if digit == 0:
            zero = bool(text)
            continue
        text += ("零" if zero else "") + DIGITS[digit] + SMALL_UNITS[position]
        zero = False
    return text


def in_words(amount) -> str:
    """The amount as a financial document writes it (大写): 50000 -> 人民币伍万元整, 100000 -> 人民币壹拾万元整,
    10005 -> 人民币壹万零伍元整, 740.7 -> 人民币柒佰肆拾元柒角."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    yuan, fen = int(value), int(value * 100) % 100
    groups, text, gap = [], "", False
    while yuan:
        groups.append(yuan % 10_000)
        yuan //= 10_000
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            gap = True
            continue
        if text and (gap or group < 1000):
            text += "零"
        text += _group(group) + BIG_UNITS[index]
        gap = False
    text = (text or "零") + "元"
    if fen == 0:
        return f"人民币{text}整"
    jiao, fen = divmod(fen, 10)
    tail = (DIGITS[jiao] + "角" if jiao else ("零" if text != "零元" else "")) + (DIGITS[fen] + "分" if fen else "")
    return f"人民币{'' if text == '零元' else text}{tail}"


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _day(value: str | None) -> str:
    return format_date_zh(date.fromisoformat(value)) if value else NONE


def _rule(days: int) -> str:
    return ("不足十日，按工作日计算，不含法定节假日" if days < WORKING_DAY_THRESHOLD
            else "按自然日计算，期满日为法定节假日的，顺延至节假日后的第一个工作日")


def _basis(code: str | None) -> dict:
    basis = BASES.get(code or "")
    if basis is None:
        return {"basis": NONE, "act": NONE, "range": NONE}
    return {"basis": basis.citation, "act": basis.act, "range": f"{wan(basis.minimum)}以上{wan(basis.maximum)}以下罚款"}


def _follows_problems(data: dict, step: str, basis: dict) -> dict:
    """What a prior notice or decision states besides its basis: the provisions the facts violate (from
    the case's problems, rules.articles), the aggravating facts, and the reason the office gave when it chose
    a basis the problems do not call for or a lighter fine for a broken seal ("" when it gave none).

    With no violated provision on the record (a step done before they were kept, or only problems of no
    listed kind) the penalty provision is named, as these documents did before: it describes the act too."""
    violated = data.get(f"{step}_violated_articles") or []
    return {"violated": "、".join(violated) or basis["basis"], "violated_articles": violated,
            "aggravating": _lines(data.get(f"{step}_aggravating_facts")),
            "basis_reason": data.get(f"{step}_basis_reason") or ""}


def _fine(amount) -> dict:
    return {"fine": money(amount), "fine_words": in_words(amount)} if amount is not None else {"fine": NONE,
                                                                                                "fine_words": NONE}


def prior_notice(case: Case, data: dict, due: dict[str, date]) -> dict:
    """行政处罚事先告知书 (行政处罚法 Art 44, 45, 63, 64): the right to a hearing only when the fine reaches
    the threshold for this party; five working days from service to answer (``due["reply_by"]``)."""
    served = date.fromisoformat(data["prior_notice_served_on"])
    hearing = hearing_applies(case.well.owner.kind, data["proposed_fine"])
    ask = "陈述、申辩或者要求听证" if hearing else "陈述、申辩"
    rights = ["根据《中华人民共和国行政处罚法》第四十四条、第四十五条的规定，你（单位）有权进行陈述和申辩。本机关将"
              "充分听取你（单位）的意见，对你（单位）提出的事实、理由和证据进行复核；事实、理由或者证据成立的，本机关"
              "将予以采纳，不因你（单位）陈述、申辩而给予更重的处罚。"]
    if hearing:
        rights.append("根据《中华人民共和国行政处罚法》第六十三条、第六十四条的规定，你（单位）有权要求举行听证。")
    reply_by = format_date_zh(due["reply_by"])
    rights.append(f"你（单位）如需{ask}，应当自收到本告知书之日起五个工作日内（即{reply_by}前，含当日）向本机关提出；"
                  f"逾期未提出的，视为放弃上述权利。")
    basis = _basis(data.get("prior_legal_basis"))
    return {"facts": _lines(data.get("prior_facts")), **basis, **_follows_problems(data, "prior", basis),
            **_fine(data["proposed_fine"]), "served_on": format_date_zh(served), "reply_by": reply_by,
            "hearing_right": hearing, "rights": rights}


def hearing_notice(case: Case, data: dict, due: dict[str, date]) -> dict:
    """听证告知书 (行政处罚法 Art 64): time, place, host and the party's rights at the hearing."""
    return {"date": _day(data.get("hearing_date")), "time": data.get("hearing_time") or NONE,
            "place": data.get("hearing_place") or NONE, "host": data.get("hearing_host") or NONE,
            "notified_on": _day(data.get("hearing_notified_on")),
            "rights": ["你（单位）可以亲自参加听证，也可以委托一至二人代理；委托代理人参加的，应当提交授权委托书。",
                       "你（单位）认为主持人与本案有直接利害关系的，有权申请回避。",
                       "听证公开举行，但涉及国家秘密、商业秘密或者个人隐私依法予以保密的除外。",
                       "你（单位）无正当理由拒不出席听证或者未经许可中途退出听证的，视为放弃听证权利，本机关终止听证。"]}


def decision(case: Case, data: dict, due: dict[str, date]) -> dict:
    """行政处罚决定书 (行政处罚法 Art 59, 66, 72): payment in fifteen days, the surcharge, the remedies."""
    fine = data.get("fine_amount")
    basis = _basis(data.get("decision_legal_basis"))
    return {"facts": _lines(data.get("decision_facts")), **basis, **_fine(fine),
            **_follows_problems(data, "decision", basis),
            "decided_on": _day(data.get("decided_on")), "rectify_order": data.get("rectify_order") or NONE,
            "statement_handling": data.get("statement_handling") or NONE,
            "payment": f"你（单位）应当自收到本决定书之日起十五日内缴纳罚款，缴纳方式：{data.get('payment_channel') or NONE}。",
            "surcharge": (f"到期不缴纳罚款的，本机关将依据《中华人民共和国行政处罚法》第七十二条第一款第（一）项的规定，"
                          f"每日按罚款数额的{RATE_IN_WORDS}加处罚款，加处罚款的数额不超出罚款的数额"
                          f"（至多{money(fine) if fine is not None else NONE}）。"),
            "enforcement": "你（单位）在法定期限内不申请行政复议或者提起行政诉讼，又不履行本决定的，本机关将依法申请"
                           "人民法院强制执行。",
            "remedies": REMEDIES.format(doc="决定")}


def reminder(case: Case, data: dict, due: dict[str, date]) -> dict:
    """催告书 (行政强制法 Art 35, 36): the obligation, the period and its last day (``due["deadline"]``), the
    right to be heard, and what follows if the well is still not sealed."""
    served, days = date.fromisoformat(data["reminder_served_on"]), int(data["reminder_days"])
    return {"obligation": _lines(data.get("reminder_obligation")), "served_on": format_date_zh(served),
            "days": days, "deadline": format_date_zh(due["deadline"]), "rule": _rule(days),
            "consequence": "逾期仍不履行的，本机关将依据《中华人民共和国行政强制法》第五十条、《地下水管理条例》第五十八条"
                           "的规定实施代履行，组织封闭自备井，所需费用由你（单位）承担。",
            "rights": "你（单位）有权进行陈述和申辩，可在履行期限届满前向本机关书面提出（《中华人民共和国行政强制法》"
                      "第三十六条）。"}


def substitute_decision(case: Case, data: dict, due: dict[str, date]) -> dict:
    """代履行决定书 (行政强制法 Art 51(1)): reason and basis, method and date, the executor, the estimate."""
    estimate = data.get("substitute_cost_estimate")
    return {"decided_on": _day(data.get("substitute_decided_on")), "date": _day(data.get("substitute_date")),
            "executor": data.get("substitute_executor") or NONE,
            "method": choice_label(DISPOSAL_TYPES, data.get("substitute_method")) if data.get("substitute_method")
            else NONE,
            "cost": money(estimate) if estimate is not None else NONE,
            "cost_words": in_words(estimate) if estimate is not None else NONE,
            "basis": "《中华人民共和国行政强制法》第五十条、第五十一条和《地下水管理条例》第五十八条",
            "remedies": REMEDIES.format(doc="决定")}


BUILDERS = {"penalty_prior_notice": prior_notice, "hearing_notice": hearing_notice, "penalty_decision": decision,
            "enforcement_reminder": reminder, "substitute_decision": substitute_decision}


def context(kind: Kind, case: Case, data: dict, due: dict[str, date]) -> dict:
    """``{"penalty": …}`` for the penalty's kinds, nothing for the others; ``due``: the party's deadlines
    the document prints (``party_deadlines.PERIODS``)."""
    builder = BUILDERS.get(kind.code)
    return {"penalty": builder(case, data, due)} if builder else {}
