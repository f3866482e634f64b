"""rules/articles.py: every problem kind carries its articles; the table stands alone."""
from __future__ import annotations

import ast
from pathlib import Path

from forms.choices import PROBLEM_KINDS
from forms.penalty_rules import BASES
from rules import articles
from rules.articles import PENALTIES, PROBLEM_LAW, default_penalty, facts_text, notice_articles


def test_the_rules_package_imports_nothing_of_the_app():
    for path in Path(articles.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + [
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in modules if m.split(".")[0] in ("engine", "forms", "webapp")], path


def test_every_problem_kind_has_its_law_and_every_penalty_its_range():
    assert {code for code, _ in PROBLEM_KINDS} <= set(PROBLEM_LAW)
    assert {law.penalty for law in PROBLEM_LAW.values() if law.penalty} <= set(PENALTIES) == set(BASES)
    # The statutes' ranges (DOMAIN.md "Sanction").
    assert {c: (p.minimum, p.maximum) for c, p in PENALTIES.items()} == {
        "water_law_69": (20_000, 100_000), "water_law_69_2": (20_000, 100_000),
        "gw_regulation_56": (100_000, 500_000), "gw_regulation_58": (100_000, 500_000)}
    assert PENALTIES["gw_regulation_58"].heavier_end == 300_000 and PENALTIES["water_law_69"].heavier_end == 60_000


def test_stop_and_seal_in_coverage_cites_the_provincial_and_the_groundwater_articles():
    assert notice_articles(["in_coverage"]) == [
        "《山东省水资源条例》第三十条", "《地下水管理条例》第三十三条",
        "《取水许可和水资源费征收管理条例》第二十条第一款第（五）项", "《地下水管理条例》第五十八条"]
    assert notice_articles(["no_meter", "no_meter"]) == ["《地下水管理条例》第二十二条", "《地下水管理条例》第五十六条"]
    assert notice_articles(["other"]) == []


def test_the_penalty_starts_from_the_heaviest_provision_and_the_statutes_wording():
    assert default_penalty(["tax_unpaid"]) is None
    assert default_penalty(["no_permit", "in_coverage"]) == "gw_regulation_58"
    assert default_penalty(["no_permit"]) == "water_law_69"
    assert facts_text([("no_meter", "未安装取水计量设施"), ("other", "井口无防护"), ("no_meter", "未安装取水计量设施")]) == (
        "地下水取水工程未安装取水计量设施（未安装取水计量设施）\n井口无防护")


def test_the_clerks_lines_are_added_unless_a_cited_article_covers_them():
    from rules.articles import notice_basis

    assert notice_basis(["no_permit"], ["《中华人民共和国水法》第六十九条", "", "《乳山市某规定》第三条"]) == [
        "《中华人民共和国水法》第四十八条", "《取水许可和水资源费征收管理条例》第二条",
        "《取水许可和水资源费征收管理条例》第四十八条", "《中华人民共和国水法》第六十九条第（一）项",
        "《乳山市某规定》第三条"]
