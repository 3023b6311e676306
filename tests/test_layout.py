"""The package's layout holds: no import circles (type-only and function-level imports
included), every room imports only from below it, and no room reaches into another's private
modules.

The rooms, from the bottom up (a module may import from its own room and from lower ones):
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "asgitest"

# Lower rank = lower room. A module imports only from rooms of its rank or below.
RANKS: dict[str, int] = {
    "_types": 0,
    "_errors": 0,
    "_transcript": 0,
    "_masking": 0,
    "_config": 1,
    "_scopes": 1,
    "_protocol": 1,
    "_headers": 1,
    "_patterns": 2,
    "_body": 1,
    "_cookies": 1,
    "_response": 2,
    "_core": 3,
    "_app": 3,
    "_loader": 4,
    "_spec": 4,
    "_django": 4,
    "_assertions": 5,
    "_communicator": 6,
    "_streaming": 6,
    "_http": 7,
    "_websocket": 7,
    "_lifespan": 7,
    "_testapp": 8,
    "_client": 9,
    "_clients": 9,
    "_live": 10,
    "_cli": 10,
    "_plugin": 10,
    "pytest_plugin": 11,
    "__main__": 11,
    "__init__": 11,
}


def _room(module: str) -> str:
    """``asgitest._core._engine`` -> ``_core``; ``asgitest`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> set[str]:
    """The asgitest modules ``module`` imports, anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: -(node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            if not stem.startswith("asgitest"):
                continue
            for alias in node.names:
                candidate = f"{stem}.{alias.name}"
                targets.add(candidate if candidate in MODULES else stem)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("asgitest"):
                    targets.add(alias.name)
    return {target for target in targets if target in MODULES and target != module}


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def test_every_room_has_a_rank() -> None:
    missing = sorted({_room(module) for module in MODULES} - set(RANKS))
    assert not missing, f"give these rooms a rank in tests/test_layout.py: {missing}"


def test_no_import_circles() -> None:
    # Tarjan's strongly connected components: a component of more than one module is a circle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    assert not circles, f"import circles: {circles}"


def _ranked(module: str) -> bool:
    return _room(module) in RANKS


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_from_below(module: str) -> None:
    if not _ranked(module):
        pytest.fail(f"{module} has no rank")
    own = RANKS[_room(module)]
    above = sorted(
        target
        for target in GRAPH[module]
        if _ranked(target) and RANKS[_room(target)] > own and _room(target) != _room(module)
    )
    assert not above, f"{module} (rank {own}) imports from rooms above it: {above}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_reaches_into_another_rooms_private_files(module: str) -> None:
    """``asgitest._core._asyncio`` is for ``_core`` only; others import ``asgitest._core``."""
    room = _room(module)
    reached = sorted(
        target
        for target in GRAPH[module]
        if len(target.split(".")) > 2 and _room(target) != room and room != "__init__"
    )
    assert not reached, f"{module} imports the private modules {reached} of another room"
