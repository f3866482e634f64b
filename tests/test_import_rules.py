"""Who may import whom (docs/architecture.md, "Who may import whom"), read from the source with ``ast``.

* SpiffWorkflow is imported only in ``engine/`` (the benchmark and the tests, outside the application,
  may use it directly);
* ``engine/`` imports no Flask (nor a Flask extension), ``webapp`` or ``forms``;
* ``forms/`` imports no ``engine``;
* ``rules/`` imports none of ``engine``, ``forms``, ``webapp``, Flask;
* the top-level packages import each other without a cycle;
* inside ``webapp/``, a module with routes (a function decorated ``@<blueprint>.route/get/post/…``) is
  imported only by ``create_app`` (``webapp/__init__.py``) and by modules of its own feature package: a
  feature uses another's service, queries, forms or blueprint package, never its pages.
* no module uses another module's private (``_x``) name: what crosses a module boundary is public.

Every import counts, also one inside a function or under ``TYPE_CHECKING``: a late import is still a
dependency. The checks run on any source tree, so the last tests show that each one catches a violation.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: The application's top-level packages and the modules beside them that the application runs.
PACKAGES = ("engine", "forms", "rules", "webapp")
TOP_MODULES = ("wsgi.py", "migrations/env.py")

FLASK = ("flask", "flask_login", "flask_wtf", "werkzeug")

#: package -> the top-level names it must never import.
FORBIDDEN = {
    "engine": ("webapp", "forms", *FLASK),
    "forms": ("engine",),
    "rules": ("engine", "forms", "webapp", *FLASK),
}


def _python_files(root: Path, package: str) -> Iterator[Path]:
    yield from sorted((root / package).rglob("*.py"))


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _from(node: ast.ImportFrom, path: Path, root: Path) -> str:
    """The absolute dotted module a ``from … import`` reads from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = list(path.relative_to(root).with_suffix("").parts)[:-1]  # also for an __init__.py
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _imports(path: Path, root: Path) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports (absolute dotted name) with its line; relative imports resolved."""
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = _from(node, path, root)
            if node.level and not node.module:  # ``from .. import x``: x is a module of the package the dots name
                for alias in node.names:
                    yield ".".join(filter(None, (base, alias.name))), node.lineno
            else:
                yield base, node.lineno


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _sources(root: Path) -> Iterator[tuple[str, Path]]:
    """(top-level package or module, file) for the application's source."""
    for package in PACKAGES:
        for path in _python_files(root, package):
            yield package, path
    for name in TOP_MODULES:
        if (root / name).exists():
            yield name, root / name


def spiff_outside_engine(root: Path) -> list[str]:
    return [f"{path.relative_to(root)}:{line} imports {module}"
            for owner, path in _sources(root) if owner != "engine"
            for module, line in _imports(path, root) if _top(module) == "SpiffWorkflow"]


def forbidden_imports(root: Path) -> list[str]:
    return [f"{path.relative_to(root)}:{line} imports {module} ({owner}/ may not import {_top(module)})"
            for owner, path in _sources(root) if owner in FORBIDDEN
            for module, line in _imports(path, root) if _top(module) in FORBIDDEN[owner]]


ROUTE_DECORATORS = ("route", "get", "post", "put", "patch", "delete")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_with_names(path: Path, root: Path) -> Iterator[tuple[str, int]]:
    """Like ``_imports``, and ``from ..cases import routes`` also as ``webapp.cases.routes``."""
    yield from _imports(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    parts = list(path.relative_to(root).with_suffix("").parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            package = parts[:-1]
            base = package[: len(package) - node.level + 1] if node.level else []
            for alias in node.names:
                yield ".".join([*base, node.module, alias.name]), node.lineno


def _has_routes(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in ROUTE_DECORATORS
               for node in tree.body if isinstance(node, ast.FunctionDef) for d in node.decorator_list)


def _feature(module: str) -> str:
    """The feature a webapp module belongs to: ``webapp.cases.routes`` -> ``webapp.cases``."""
    parts = module.split(".")
    return ".".join(parts[:2])


def route_imports_across_features(root: Path) -> list[str]:
    """Imports of another feature's route module (the application factory excepted)."""
    files = list(_python_files(root, "webapp"))
    routes = {_module_name(path, root) for path in files if _has_routes(path)}
    found = []
    for path in files:
        importer = _module_name(path, root)
        if importer == "webapp":
            continue
        for module, line in _imports_with_names(path, root):
            # A name imported from a route module (``from ..cases.routes import x``) counts as the module.
            target = next((r for r in routes if module == r or module.startswith(r + ".")), None)
            if target and _feature(target) != _feature(importer):
                found.append(f"{path.relative_to(root)}:{line} imports {target} (another feature's routes)")
    return sorted(set(found))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_module(root: Path, dotted: str) -> bool:
    place = root.joinpath(*dotted.split("."))
    return place.with_suffix(".py").exists() or (place / "__init__.py").exists()


def private_names_across_modules(root: Path) -> list[str]:
    """A module's private name (``_x``) used by another module of the application: imported
    (``from .runtime import _Scan``) or read off an imported module (``runtime._Scan``, ``persist._lock``).

    A private name is the module's own business; what other modules need is public, with a name that
    says what it is (``LockedInstance.save``, not ``Engine._save``).
    """
    found = []
    for _owner, path in _sources(root):
        tree, where = _parse(path), path.relative_to(root)
        modules = set()  # local names bound to the application's modules
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and _top(base := _from(node, path, root)) in PACKAGES:
                for alias in node.names:
                    if _private(alias.name):
                        found.append(f"{where}:{node.lineno} imports {alias.name} from {base}")
                    elif _is_module(root, ".".join(filter(None, (base, alias.name)))):
                        modules.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                modules.update(alias.asname for alias in node.names if alias.asname and _top(alias.name) in PACKAGES)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                    and _private(node.attr)):
                found.append(f"{where}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def package_graph(root: Path) -> dict[str, set[str]]:
    """Top-level package -> the other top-level packages it imports."""
    graph: dict[str, set[str]] = {package: set() for package in PACKAGES}
    for owner, path in _sources(root):
        if owner not in graph:
            continue
        for module, _ in _imports(path, root):
            if _top(module) in graph and _top(module) != owner:
                graph[owner].add(_top(module))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import cycle between packages, as the path that closes it (depth-first search)."""
    found, done = [], set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            found.append(path[path.index(node):] + [node])
            return
        if node in done:
            return
        for target in sorted(graph[node]):
            visit(target, path + [node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return found


# -- the rules, on this project -----------------------------------------------------------------------

def test_spiffworkflow_is_imported_only_in_the_engine():
    assert spiff_outside_engine(ROOT) == []


def test_no_package_imports_what_its_layer_forbids():
    assert forbidden_imports(ROOT) == []


def test_the_packages_import_each_other_without_a_cycle():
    graph = package_graph(ROOT)
    assert cycles(graph) == []
    # The layers as drawn in docs/architecture.md: rules at the bottom, the web app on top.
    assert graph["rules"] == set()
    assert graph["engine"] == {"rules"}
    assert graph["forms"] == {"rules"}
    assert "webapp" not in set().union(*(graph[p] for p in ("engine", "forms", "rules")))


def test_no_feature_imports_another_features_routes():
    assert route_imports_across_features(ROOT) == []


def test_no_module_uses_another_modules_private_names():
    assert private_names_across_modules(ROOT) == []


def test_every_source_file_is_read():
    files = [path for _, path in _sources(ROOT)]
    assert ROOT / "rules" / "calendar.py" in files and ROOT / "engine" / "runtime.py" in files
    assert len(files) > 100


# -- each check catches a violation ---------------------------------------------------------------------

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for package in PACKAGES:
        (tmp_path / package).mkdir(exist_ok=True)
        (tmp_path / package / "__init__.py").touch()
    return tmp_path


def test_a_spiffworkflow_import_in_the_web_app_is_caught(tmp_path):
    root = _tree(tmp_path, {"webapp/views.py": "def f():\n    from SpiffWorkflow.task import Task\n"})
    assert spiff_outside_engine(root) == ["webapp/views.py:2 imports SpiffWorkflow.task"]


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("engine/run.py", "from flask import g\n", "flask"),
    ("engine/run.py", "import webapp.models\n", "webapp"),
    ("engine/sub/run.py", "from ... import forms\n", "forms"),  # relative beyond the package: ``forms``
    ("forms/notice.py", "from engine.calendar import x\n", "engine"),
    ("rules/calendar.py", "from engine.errors import EngineError\n", "engine"),
    ("rules/fines.py", "import flask_wtf\n", "flask_wtf"),
])
def test_a_forbidden_import_is_caught(tmp_path, name, text, expected):
    root = _tree(tmp_path, {name: text})
    (found,) = forbidden_imports(root)
    assert found.startswith(f"{name}:1 imports ") and f"may not import {expected})" in found


def test_a_relative_import_inside_the_package_is_allowed(tmp_path):
    root = _tree(tmp_path, {"engine/run.py": "from . import errors\nfrom .store import Event\n",
                            "engine/sub/x.py": "from ..store import Event\n"})
    assert forbidden_imports(root) == []
    assert package_graph(root)["engine"] == set()


def test_an_import_cycle_between_packages_is_caught(tmp_path):
    root = _tree(tmp_path, {"forms/a.py": "import webapp.models\n", "webapp/models.py": "from forms import a\n"})
    assert cycles(package_graph(root)) == [["forms", "webapp", "forms"]]


def test_an_import_of_another_features_routes_is_caught(tmp_path):
    page = "from . import bp\n\n\n@bp.get('/')\ndef index():\n    return ''\n"
    root = _tree(tmp_path, {
        "webapp/__init__.py": "def create_app():\n    from .cases import routes\n",  # the factory may
        "webapp/cases/__init__.py": "", "webapp/cases/routes.py": page,
        "webapp/cases/credit.py": "from .routes import index\n",  # the same feature may
        "webapp/tasks/__init__.py": "", "webapp/tasks/service.py": "from ..cases.service import register\n",
        "webapp/cases/service.py": "",
        "webapp/tasks/routes.py": "from ..cases import routes\nfrom ..cases.routes import index\n",
    })
    assert route_imports_across_features(root) == [
        "webapp/tasks/routes.py:1 imports webapp.cases.routes (another feature's routes)",
        "webapp/tasks/routes.py:2 imports webapp.cases.routes (another feature's routes)",
    ]


@pytest.mark.parametrize(("files", "expected"), [
    ({"engine/migration.py": "from .runtime import Engine, _Scan\n", "engine/runtime.py": ""},
     "engine/migration.py:1 imports _Scan from engine.runtime"),
    ({"webapp/views.py": "def f():\n    from engine.persist import _LOCK\n", "engine/persist.py": ""},
     "webapp/views.py:2 imports _LOCK from engine.persist"),
    ({"engine/overrides.py": "from . import persist\n\npersist._instance.c\n", "engine/persist.py": ""},
     "engine/overrides.py:3 uses persist._instance"),
    ({"webapp/cli.py": "import engine.audit as chains\nchains._content({})\n", "engine/audit.py": ""},
     "webapp/cli.py:2 uses chains._content"),
])
def test_a_private_name_used_by_another_module_is_caught(tmp_path, files, expected):
    root = _tree(tmp_path, files)
    assert private_names_across_modules(root) == [expected]


def test_public_names_dunders_and_other_libraries_privates_are_allowed(tmp_path):
    root = _tree(tmp_path, {
        "engine/overrides.py": "from __future__ import annotations\nfrom . import persist, task_scan\n"
                               "from .task_scan import TaskScan\nfrom SpiffWorkflow.util import _private\n"
                               "persist.lock(s, 1)\ntask._get_internal_data('event_value')\npersist.__name__\n",
        "engine/persist.py": "def _helper():\n    return _helper\n",  # a module's own private names
        "engine/task_scan.py": "",
        "forms/register.py": "from . import validators as _validators\n_validators.check\n",
        "forms/validators.py": "",
    })
    assert private_names_across_modules(root) == []
