"""The statutory rules the procedure applies, as pure Python: the working-day calendar (``calendar``),
how a period is counted (``deadlines``), the money rules of a penalty (``fines``), the articles each
problem violates (``articles``), China time (``timezone``) and the error a rule raises
(``errors.RuleError``). Imports nothing from engine/, forms/ or webapp/ (tests/test_import_rules.py), so
that every layer — the diagrams through ``engine/services.py``, the forms, the documents, the tests —
reads the same law."""
