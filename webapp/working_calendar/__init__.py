"""The office's working-day calendar (工作日历): the years the office entered from the State Council's
notice, read into ``engine.calendar`` at start and whenever they change (see refresh.py)."""
