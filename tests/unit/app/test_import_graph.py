"""The house without circles: the shared parts import no feature.

``notify/web`` (request session, CSRF, security headers, error pages, formatting) and
``notify/jobs.py`` (the scheduler's list) are what features build on; a feature
registers its blueprints, CLI commands and jobs from its own ``init_app``. ``notify.auth``
is shared-level (the login and permissions every feature's views rely on): the shared
parts may import it, and it is not a feature here.
"""

import ast
from pathlib import Path

import pytest

NOTIFY = Path(__file__).resolve().parents[3] / "notify"
FEATURES = ("accounts", "decisions", "evidence", "mail", "demo", "registrations", "vehicles")
SHARED = sorted(
    [*(NOTIFY / "web").rglob("*.py"), NOTIFY / "jobs.py", NOTIFY / "db.py",
     NOTIFY / "settings.py", NOTIFY / "clock.py", NOTIFY / "errors.py"])


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):  # imports inside functions count too
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "notify":
                names.update(f"notify.{alias.name}" for alias in node.names)
    return names


def feature_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "notify" and len(parts) > 1 and parts[1] in FEATURES:
        return parts[1]
    return None


@pytest.mark.parametrize("path", SHARED, ids=lambda p: str(p.relative_to(NOTIFY.parent)))
def test_shared_module_imports_no_feature(path):
    features = {m for m in imported_modules(path) if feature_of(m)}
    assert features == set(), f"{path.name} imports {sorted(features)}"


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from notify.accounts.views import bp\n"
                      "from notify import decisions\n")
    assert {feature_of(m) for m in imported_modules(sample)} >= {"accounts", "decisions"}


def test_every_feature_registers_itself_through_init_app():
    import importlib

    for name in ("accounts", "decisions", "evidence", "mail", "demo"):
        assert callable(importlib.import_module(f"notify.{name}").init_app), name
