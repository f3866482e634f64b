"""Process diagrams drawn from their diagram interchange: every diagram, one case's, and the heatmap.

``/diagrams/`` every process of the current version; ``/cases/<id>/diagram`` a case on the diagram
version it runs, with its current steps, the path taken and its deadlines; ``/diagrams/heatmap``
(leading group office) open tasks and the average time spent per step.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("diagram", __name__)
