"""The floor of ``bench/floor.py``: the stack the application is served on with nothing of the application —
Flask behind gunicorn, one PostgreSQL statement in a transaction through SQLAlchemy and psycopg, as every
page of the application has at least. Not imported by the application or the tests."""
from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["WELLS_FLOOR_DATABASE_URL"], pool_size=2)


@app.get("/bare")
def bare():
    return "ok"


@app.get("/statement")
def statement():
    with engine.begin() as conn:
        return str(conn.execute(text("SELECT 1")).scalar())
