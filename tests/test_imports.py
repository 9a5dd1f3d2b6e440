"""No import cycle among core's modules, counting imports inside functions too (a cycle hidden
in a function is still a cycle: the two modules cannot be understood or tested apart)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in (ROOT / "core").rglob("*.py")}
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rsplit(".", 1)[0] if "." in target else ""
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_core_has_no_import_cycle():
    cycles = _cycles(_graph())
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def _folder(module: str) -> str:
    """The folder (package) a module lives in: a package's __init__ is its own folder."""
    return module if (ROOT / module.replace(".", "/")).is_dir() else module.rsplit(".", 1)[0]


def _folder_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Folders with an arrow where a module of one imports a module of another. Entry points
    (__main__) are left out: nothing imports them, so they close no loop, and a command line
    may read what its package must not (core.ood's reads core.train's demo configuration)."""
    folders: dict[str, set[str]] = {}
    for module, targets in graph.items():
        if module.endswith(".__main__"):
            continue
        here = folders.setdefault(_folder(module), set())
        for target in targets:
            if _folder(target) != _folder(module):
                here.add(_folder(target))
                folders.setdefault(_folder(target), set())
    return folders


def test_core_has_no_loop_between_folders():
    """A loop between packages (core/evaluate -> core/mechanism -> core/evaluate) that no
    module-level cycle shows still ties the packages together: neither can be moved, tested or
    understood without the other. The shared leaves at core's root import no package below it."""
    cycles = _cycles(_folder_graph(_graph()))
    assert not cycles, "loops between folders: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_folder_test_finds_a_constructed_loop():
    graph = {"core.a.x": {"core.b.y"}, "core.b.y": set(), "core.b.z": {"core.a.w"}, "core.a.w": set(),
             "core.c.__main__": {"core.a.x"}, "core.a.v": {"core.c.u"}, "core.c.u": set()}
    folders = _folder_graph(graph)
    assert _cycles(folders) == [["core.a", "core.b", "core.a"]]
    assert "core.c" not in folders["core.c"] and folders["core.c"] == set()  # an entry point closes no loop
