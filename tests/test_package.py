"""Packaging: the package imports only what it declares; the compiled extension is the one built."""
import ast
import sys
import tomllib

from conftest import ROOT

# import name -> distribution name, where they differ
DIST_OF = {"Cython": "cython", "PIL": "pillow"}


def declared_dependencies():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = set()
    for req in meta["project"]["dependencies"]:
        name = req.split(";")[0]
        for sep in "<>=!~[ ":
            name = name.split(sep)[0]
        names.add(name.strip().lower())
    return names


def imported_top_level_modules():
    found = {}
    for f in (ROOT / "cs231n").rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                mods = [node.module]
            else:
                continue
            for m in mods:
                found.setdefault(m.split(".")[0], f.name)
    return found


def test_package_imports_only_declared_dependencies():
    deps = declared_dependencies()
    # ipywidgets is an optional import (progress bars in notebooks), guarded by try/except
    optional = {"ipywidgets", "IPython"}
    undeclared = {
        mod: where for mod, where in imported_top_level_modules().items()
        if mod not in sys.stdlib_module_names and mod != "cs231n" and mod not in optional
        and DIST_OF.get(mod, mod).lower() not in deps
    }
    assert not undeclared, f"imported but not in pyproject dependencies: {undeclared}"


def test_compiled_extension_is_importable():
    import cs231n.im2col_cython as ext
    assert ext.__file__.endswith((".so", ".pyd"))
