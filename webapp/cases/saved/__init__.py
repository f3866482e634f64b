"""Saved searches of the case list (常用查询): a user's own, and those a department head shared with the
department. tables.py (saved_filter), service.py (visible / save / delete), forms.py, routes.py (the posts,
on the cases blueprint)."""
