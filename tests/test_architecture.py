"""The package's shape: no import cycles, no CPython internals.

Imports are read from the source (ast), inside functions too: a lazy import
that closes a cycle is still one. Imports under ``if TYPE_CHECKING:`` are left
out, since they never run.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "src" / "feedpub"


def local_imports(path: Path, modules: set[str]) -> set[str]:
    """The feedpub modules ``path`` imports; ``__init__`` for names taken from the package itself."""
    found: set[str] = set()

    class Imports(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            test = node.test
            if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                    isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
                for child in node.orelse:
                    self.visit(child)
                return
            self.generic_visit(node)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.level == 0 and not (node.module or "").startswith("feedpub"):
                return
            module = node.module or ""
            parts = module.split(".")[1:] if node.level == 0 else module.split(".") if module else []
            if parts and parts[0]:
                found.add(parts[0] if parts[0] in modules else "__init__")
            else:
                found.update(alias.name if alias.name in modules else "__init__" for alias in node.names)

        def visit_Import(self, node: ast.Import) -> None:
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "feedpub":
                    found.add(parts[1] if len(parts) > 1 and parts[1] in modules else "__init__")

    Imports().visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {path.stem: path for path in PACKAGE.glob("*.py")}
    modules = set(paths)
    return {name: local_imports(path, modules) - {name} for name, path in paths.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph``, as the modules along it, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = "open"
        stack.append(name)
        for imported in sorted(graph[name]):
            if state.get(imported) == "open":
                return stack[stack.index(imported):] + [imported]
            if imported not in state and (cycle := visit(imported)):
                return cycle
        state[name] = "done"
        stack.pop()
        return None

    for name in sorted(graph):
        if name not in state and (cycle := visit(name)):
            return cycle
    return None


def test_no_module_of_the_package_imports_itself_in_a_circle():
    graph = import_graph()
    assert len(graph) > 20  # the package was found and read
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_cycle_finder_finds_a_cycle_through_a_lazy_import(tmp_path):
    (tmp_path / "a.py").write_text("from .b import x\n")
    (tmp_path / "b.py").write_text("def f():\n    from . import a\n")
    (tmp_path / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import y\n")
    modules = {"a", "b", "c"}
    graph = {name: local_imports(tmp_path / f"{name}.py", modules) for name in modules}
    assert find_cycle(graph) == ["a", "b", "a"]
    assert graph["c"] == set()


def test_no_private_module_of_python_is_imported():
    private = []
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            # _blake2, _sha2, _sre...: CPython's private modules, which other
            # interpreters and the next CPython need not have.
            private += [f"{path.name}: {name}" for name in names if name.startswith("_") and name != "__future__"]
    assert private == []
