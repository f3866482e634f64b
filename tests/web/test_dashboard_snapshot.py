"""Issue 14, the dashboard at a province's scale: its figures kept for WELLS_DASHBOARD_MAX_AGE seconds in
``dashboard_snapshot`` (webapp/dashboard/snapshots.py), the same as a computation, shown with their time."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from dashboard_support import build_campaign, china, dashboard_page, register, table, totals
from sqlalchemy import func, select

from engine.tables import utcnow
from webapp.core import db
from webapp.core.config import ConfigError, from_environment
from webapp.dashboard import figures, reports, snapshots
from webapp.dashboard.tables import DashboardSnapshot
from webapp.map import view as well_map

ALL = {"start": "2026-02-01", "end": "2026-03-10"}


@pytest.fixture
def app(make_app):
    """The app as deployed: snapshots kept 300 s (the other tests count on every view)."""
    return make_app(DASHBOARD_MAX_AGE="300")


@pytest.fixture
def campaign(app, login, fixed_clock):
    return build_campaign(app, login, fixed_clock)


def _rows(app) -> list[DashboardSnapshot]:
    with app.app_context():
        return list(db.session().scalars(select(DashboardSnapshot).order_by(DashboardSnapshot.id)))


def _computed_now(app, period: figures.Period, now: datetime) -> tuple[dict, dict]:
    """The figures and the map's counts computed at ``now`` without any snapshot."""
    with app.test_request_context("/dashboard/"):
        session = db.session()
        return reports.live_figures(session, period, now), well_map.counts(session, [])


def test_a_snapshot_is_what_a_computation_at_its_time_gives(app, login, campaign):
    office = login("leading_office.supervisor")
    first = dashboard_page(office, **ALL)
    [row] = _rows(app)
    assert (row.period_start, row.period_end) == (date(2026, 2, 1), date(2026, 3, 10))
    assert row.taken_at == utcnow()  # the clock stands still in the tests
    figs, counts = _computed_now(app, figures.Period(row.period_start, row.period_end), row.taken_at)
    assert row.figures == figs and row.wells_map == counts
    assert row.figures["totals"]["registered"] == 9 and row.compute_ms >= 0
    # The page shows the snapshot's numbers, the same as the page that computed them.
    again = dashboard_page(office, **ALL)
    assert totals(again) == totals(first) and table(again, "table-towns", "town") == table(first, "table-towns", "town")
    assert "数据截至 10:00（北京时间，每 5 分钟更新）" in again and 'data-testid="refresh"' in again
    assert 'data-testid="refresh"' not in first  # computed by that very request: nothing to refresh


def test_a_snapshot_is_shown_until_it_is_older_than_the_setting(app, login, campaign, fixed_clock):
    office = login("leading_office.supervisor")
    assert totals(dashboard_page(office, **ALL))["registered"] == "9"
    fixed_clock.move_to(china(3, 10, 10) + timedelta(minutes=4))
    water = login("water.clerk")
    register(water, 10, "xiacun")
    # Within 300 s: the snapshot of 10:00 (the case registered at 10:04 is not in it), and it says so.
    page = dashboard_page(office, **ALL)
    assert totals(page)["registered"] == "9" and "数据截至 10:00" in page
    # 立即更新 computes them now, whatever the snapshot's age, and stores them for the next views.
    page = dashboard_page(office, **ALL, refresh="1")
    assert totals(page)["registered"] == "10" and "数据截至 10:04" in page
    assert [r.taken_at for r in _rows(app)] == [utcnow()]
    register(water, 11, "xiacun")
    fixed_clock.move_to(china(3, 10, 10) + timedelta(minutes=9, seconds=1))  # 300 s after 10:04
    page = dashboard_page(office, **ALL)
    assert totals(page)["registered"] == "11" and "数据截至 10:09" in page
    assert len(_rows(app)) == 1  # one row per period, replaced


def test_each_period_has_its_own_snapshot(app, login, campaign):
    office = login("leading_office.supervisor")
    february = dashboard_page(office, start="2026-02-01", end="2026-02-28")
    whole = dashboard_page(office, **ALL)
    assert totals(dashboard_page(office, start="2026-02-01", end="2026-02-28")) == totals(february)
    assert totals(dashboard_page(office, **ALL)) == totals(whole)
    assert totals(february)["registered"] == "3" and totals(whole)["registered"] == "9"
    assert {(r.period_start, r.period_end) for r in _rows(app)} == {
        (date(2026, 2, 1), date(2026, 2, 28)), (date(2026, 2, 1), date(2026, 3, 10))}


def test_max_age_zero_computes_every_view_and_keeps_nothing(app, make_app, login, campaign):
    live = make_app(DASHBOARD_MAX_AGE="0")
    office = login("leading_office.supervisor", on=live)
    page = dashboard_page(office, **ALL)
    assert totals(page)["registered"] == "9" and "数据截至 10:00（北京时间）" in page
    assert 'data-testid="refresh"' not in page
    register(login("water.clerk"), 10, "xiacun")
    assert totals(dashboard_page(office, **ALL))["registered"] == "10"
    assert _rows(live) == []
    assert snapshots.refresh(live) is False and _rows(live) == []


def test_the_timer_worker_keeps_the_default_period_fresh(app, login, campaign, fixed_clock):
    assert snapshots.refresh(app) is True
    [row] = _rows(app)
    with app.test_request_context("/dashboard/"):
        period = reports.default_period(None, reports.today())
    assert (row.period_start, row.period_end) == (period.start, period.end)
    figs, counts = _computed_now(app, period, row.taken_at)
    assert row.figures == figs and row.wells_map == counts
    # Younger than half the maximum age: left alone; older: computed again.
    fixed_clock.move_to(row.taken_at + timedelta(seconds=149))
    assert snapshots.refresh(app) is False
    fixed_clock.move_to(row.taken_at + timedelta(seconds=150))
    assert snapshots.refresh(app) is True
    assert _rows(app)[0].taken_at == row.taken_at + timedelta(seconds=150)
    # The page of the default period shows it without computing.
    page = dashboard_page(login("leading_office.supervisor"))
    assert "数据截至 10:02" in page and 'data-testid="refresh"' in page


def test_the_worker_names_renamed_towns_as_the_pages_do(app, login, campaign):
    from webapp.models import Department

    with app.app_context():
        db.session().scalar(select(Department).where(Department.code == "xiacun")).name = "夏村街道"
        db.commit()
    snapshots.refresh(app)
    [row] = _rows(app)
    assert {t["code"]: t["name"] for t in row.figures["towns"]}["xiacun"] == "夏村街道"


def test_an_older_computation_never_replaces_a_newer_one(app, login, campaign):
    period = figures.Period(date(2026, 2, 1), date(2026, 3, 10))
    now = utcnow()
    with app.test_request_context("/dashboard/"):
        session = db.session()
        newer = snapshots.Shown(period, {"n": "newer"}, {"extent": None, "unlocated": 0}, now, False)
        older = snapshots.Shown(period, {"n": "older"}, {"extent": None, "unlocated": 0}, now - timedelta(seconds=5), False)
        snapshots._store(session, newer, 1)
        snapshots._store(session, older, 1)
        db.commit()
    [row] = _rows(app)
    assert row.figures == {"n": "newer"} and row.taken_at == now


def test_old_snapshots_are_deleted_by_the_worker(app, login, campaign, fixed_clock):
    office = login("leading_office.supervisor")
    dashboard_page(office, start="2026-02-01", end="2026-02-28")
    fixed_clock.move_to(china(3, 11, 10) + timedelta(minutes=1))  # more than a day later
    assert snapshots.refresh(app) is True
    with app.test_request_context("/dashboard/"):
        period = reports.default_period(None, reports.today())
    assert [(r.period_start, r.period_end) for r in _rows(app)] == [(period.start, period.end)]


def test_only_the_leading_group_office_sees_the_figures_kept(app, login, campaign):
    snapshots.refresh(app)
    dashboard_page(login("leading_office.supervisor"), **ALL)
    for username in ("xiacun.clerk", "nanhuang.clerk", "water.head", "task_force.clerk"):
        client = login(username)
        for args in ({}, ALL, {**ALL, "refresh": "1"}):
            response = client.get("/dashboard/", query_string=args)
            assert response.status_code == 403, (username, args)
            assert "数据截至" not in response.get_data(as_text=True)
    with app.app_context():  # a refused request computes and stores nothing
        assert db.session().scalar(select(func.count()).select_from(DashboardSnapshot)) == 2


@pytest.mark.parametrize("value", ["-1", "86401", "五分钟", "1.5"])
def test_the_setting_is_checked_at_start_up(value):
    with pytest.raises(ConfigError, match="WELLS_DASHBOARD_MAX_AGE"):
        from_environment({"TESTING": True, "DASHBOARD_MAX_AGE": value})
    assert from_environment({"TESTING": True, "DASHBOARD_MAX_AGE": "0"})["DASHBOARD_MAX_AGE"] == 0
    assert from_environment({"TESTING": True})["DASHBOARD_MAX_AGE"] == 300


def test_the_snapshot_time_names_the_day_when_it_is_not_today(app):
    with app.test_request_context("/dashboard/"):
        period = figures.Period(date(2026, 2, 1), date(2026, 3, 1))
        yesterday = datetime(2026, 3, 1, 15, 30, tzinfo=timezone.utc)  # 23:30 China time
        shown = snapshots.Shown(period, {}, {}, yesterday, True)
        assert shown.label == "数据截至 3月1日 23:30（北京时间，每 5 分钟更新）"


def test_flask_dashboard_refresh_computes_the_default_period_now(app, make_app, login, campaign):
    result = app.test_cli_runner().invoke(args=["dashboard", "refresh"])
    assert result.exit_code == 0 and "已更新整治进展统计数据" in result.output
    first = _rows(app)[0].taken_at
    assert app.test_cli_runner().invoke(args=["dashboard", "refresh"]).exit_code == 0  # whatever its age
    assert len(_rows(app)) == 1 and _rows(app)[0].taken_at == first  # the clock stands still: same row
    live = make_app(DASHBOARD_MAX_AGE="0")
    result = live.test_cli_runner().invoke(args=["dashboard", "refresh"])
    assert result.exit_code == 0 and "每次打开时现算" in result.output
