"""What every feature uses: the session and its one commit (db, unit_of_work), settings, the workflow
engine, security headers and error pages, paging, spreadsheets, flash messages, template filters and
the security log of refusals. Nothing here imports a feature package except filters.py (nav counts).
"""
