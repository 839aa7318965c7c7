"""The engine is a leaf: its modules import only NumPy, the standard library and each other."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "engine"
ALLOWED = set(sys.stdlib_module_names) | {"numpy", "__future__"}
FILES = sorted(ENGINE.glob("*.py"))


def imported_roots(path: Path) -> list[str]:
    """Top-level names of every absolute import in a file (relative imports stay in the package)."""
    roots = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.append(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
            "__import__", "import_module"
        ):
            roots.append("<dynamic import>")
    return roots


def test_engine_has_modules():
    assert (ENGINE / "__init__.py") in FILES and len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_imports_numpy_and_stdlib_only(path):
    bad = sorted({root for root in imported_roots(path) if root not in ALLOWED and root != "engine"})
    assert not bad, f"{path.name} imports {bad}; engine/ may import only numpy and the standard library"


def test_importing_engine_pulls_in_no_app_libraries():
    code = (
        "import sys, engine; bad = [m for m in ('app', 'fastapi', 'sqlalchemy', 'jinja2', 'pydantic', 'torch') "
        "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    import subprocess

    root = ENGINE.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
