"""The library must never import Qt: checked on the source and on a fresh interpreter."""
import ast
import subprocess
import sys
from pathlib import Path

QT = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "qtpy", "shiboken6")
ROOT = Path(__file__).resolve().parents[1]


def test_no_module_of_the_library_imports_qt():
    offenders = []
    for path in (ROOT / "wavenetlike").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in QT]
    assert not offenders, offenders


def test_importing_the_library_loads_no_qt():
    code = ("import sys, wavenetlike, wavenetlike.cli; "
            f"bad=[m for m in sys.modules if m.split('.')[0] in {QT!r}]; print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
