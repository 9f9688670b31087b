"""House rules that keep the codebase healthy, checked on every run."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
CORE = ["domain", "storage", "services", "sync", "letters", "reports", "i18n"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", CORE)
def test_the_core_never_imports_qt(layer):
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "outreach" / layer).rglob("*.py")
                 if any(n.split(".")[0] == "PySide6" or n.startswith("outreach.ui") for n in _imports(p))]
    assert offenders == []


def test_import_linter_contracts_hold():
    lint_imports = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(lint_imports).exists():
        pytest.skip("import-linter is not installed")
    proc = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_modules_stay_small():
    big = [f"{p.relative_to(ROOT)} ({n})" for p in (ROOT / "outreach").rglob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600]
    assert big == []
