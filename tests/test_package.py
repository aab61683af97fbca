import subprocess
import sys

import spacy


def test_factories_available_without_import():
    code = (
        "import spacy, sys\n"
        "nlp = spacy.blank('en')\n"
        "assert nlp.has_factory('weak_gazetteer')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('hmmlearn', 'sklearn'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # building a Language imports our factory module, which must stay cheap
    assert out.stdout.strip() == "[]"


def _declared_factories():
    """The factories pyproject.toml announces (the entry points spaCy reads), not a list kept by hand."""
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    return sorted(tomllib.loads(pyproject.read_text(encoding="utf8"))["project"]["entry-points"]["spacy_factories"])


def test_all_factories_registered():
    names = _declared_factories()
    assert "weak_gazetteer" in names and "weak_hmm" in names
    nlp = spacy.blank("en")
    for name in names:
        assert nlp.has_factory(name), name


def test_every_factory_has_a_component_page():
    """docs/components.md links a page under docs/components/ for every declared factory."""
    import re
    from pathlib import Path

    docs = Path(__file__).resolve().parents[1] / "docs"
    index = (docs / "components.md").read_text(encoding="utf8")
    missing = []
    for name in _declared_factories():
        row = next((line for line in index.splitlines() if line.startswith("|") and f"`{name}`" in line), None)
        pages = re.findall(r"\]\((components/[\w-]+\.md)", row or "")
        if not pages or not all((docs / page).is_file() for page in pages):
            missing.append(name)
            continue
        if not any(f"`{name}`" in (docs / page).read_text(encoding="utf8") for page in pages):
            missing.append(name)
    assert not missing, f"factories without a page under docs/components/: {missing}"


def test_cli_help():
    out = subprocess.run([sys.executable, "-m", "spacy_weak", "--help"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "spacy-weak" in out.stdout or "Usage" in out.stdout


def _module_level_imports(path, package_root):
    """The spacy_weak modules a module imports at module level (not inside functions)."""
    import ast

    rel = path.relative_to(package_root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        pkg = parts
    else:
        pkg = parts[:-1]
    out = set()
    for node in ast.parse(path.read_text(encoding="utf8")).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
            else:
                target = (node.module or "").split(".")
            if target and target[0] == "spacy_weak":
                out.add(".".join(target))
                for alias in node.names:  # `from . import x` imports the submodule x
                    out.add(".".join(target + [alias.name]))
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("spacy_weak"))
    return out


def test_no_import_cycles_between_modules():
    """Module-level imports inside the package form no cycle (issue #12: analysis <-> documents <-> scoring)."""
    from pathlib import Path

    import spacy_weak

    root = Path(spacy_weak.__file__).parent
    modules = {}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.parts[-1] == "__init__" else rel.parts)
        modules[name] = path
    graph = {m: {t for t in _module_level_imports(p, root) if t in modules and t != m} for m, p in modules.items()}
    # a package's __init__ importing its own submodules is not a cycle worth reporting
    for m in graph:
        graph[m] = {t for t in graph[m] if not m.startswith(t + ".")}
    state, cycles = {}, []

    def visit(m, stack):
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t, stack)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])
    assert cycles == []
