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


def _imports(path, package_root):
    """The spacy_weak modules a module imports anywhere: at module level and inside functions
    (``if TYPE_CHECKING:`` blocks left out: they never run)."""
    import ast

    rel = path.relative_to(package_root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        pkg = parts
    else:
        pkg = parts[:-1]
    tree = ast.parse(path.read_text(encoding="utf8"))
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    out = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
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


def _import_graph():
    """``{module: modules it imports}`` over the whole package, imports inside functions included."""
    from pathlib import Path

    import spacy_weak

    root = Path(spacy_weak.__file__).parent
    modules = {}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.parts[-1] == "__init__" else rel.parts)
        modules[name] = path
    graph = {m: {t for t in _imports(p, root) if t in modules and t != m} for m, p in modules.items()}
    # a module importing its own package (`from . import x` names the package first) is no cycle worth reporting
    for m in graph:
        graph[m] = {t for t in graph[m] if not m.startswith(t + ".")}
    return graph


def strong_components(graph):
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    import sys

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    index, low, on_stack, stack, components = {}, {}, set(), [], []

    def strongconnect(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                components.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return sorted(components)


def import_cycles(graph):
    """One cycle per strongly connected component, each as ``[a, b, ..., a]``; sorted, so a
    failure lists the same cycles every run."""
    cycles = []
    for comp in strong_components(graph):
        members = set(comp)
        # the shortest cycle through the component's first module (breadth-first search)
        first, paths = comp[0], {comp[0]: [comp[0]]}
        queue, found = [comp[0]], None
        while queue and found is None:
            nxt = []
            for v in queue:
                for w in sorted(graph[v] & members):
                    if w == first:
                        found = paths[v] + [first]
                        break
                    if w not in paths:
                        paths[w] = paths[v] + [w]
                        nxt.append(w)
                if found:
                    break
            queue = nxt
        cycles.append(found)
    return cycles


def test_import_cycles_finds_a_cycle_inside_a_function():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c", "a"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_modules():
    """No import cycles inside the package, counting imports inside functions (issue #12:
    analysis <-> documents <-> scoring; issue #23: cli.apply <-> distributed.*)."""
    graph = _import_graph()
    cycles = import_cycles(graph)
    lines = [f"{' -> '.join(c)}   (modules in this knot: {', '.join(comp)})"
             for c, comp in zip(cycles, strong_components(graph))]
    assert not cycles, "import cycles (imports inside functions included):\n" + "\n".join(lines)


def test_nothing_outside_cli_imports_cli():
    """``cli/`` parses, calls and prints: the library (and its Dask backend) never imports it."""
    graph = _import_graph()
    offenders = sorted(f"{m} -> {t}" for m, ts in graph.items() for t in ts
                       if t.startswith("spacy_weak.cli") and not m.startswith(("spacy_weak.cli", "spacy_weak.__main__")))
    assert not offenders, offenders


def test_runs_layer_does_not_import_its_backends():
    """``runs/`` is the layer the command line and the Dask backend build on: it imports neither."""
    graph = _import_graph()
    offenders = sorted(f"{m} -> {t}" for m, ts in graph.items() if m.startswith("spacy_weak.runs") for t in ts
                       if t.startswith(("spacy_weak.cli", "spacy_weak.distributed")))
    assert not offenders, offenders
