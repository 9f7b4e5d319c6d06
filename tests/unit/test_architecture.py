"""The layout holds: no import cycle between modules or between packages, and the pure core
(planning, the outbox rules, reply reading, care plans, the procedure rules) imports nothing
from the database, Celery or HTTP layers. Read from the source with `ast`: imports inside
functions count too; only `if TYPE_CHECKING:` blocks are left out."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "aftercare"

# The pure core and what it may never reach, directly or through another module.
PURE = ("aftercare.planning", "aftercare.contact_rules", "aftercare.replies.reading",
        "aftercare.oncall.rota",
        "aftercare.replies.keywords", "aftercare.careplans.schema",
        "aftercare.careplans.render", "aftercare.careplans.sms_rules",
        "aftercare.procedures.rules", "aftercare.phones", "aftercare.dispatch.backoff")
IMPURE = ("sqlalchemy", "celery", "kombu", "fastapi", "starlette", "redis", "psycopg",
          "aiohttp", "twilio", "aftercare.db", "aftercare.http", "aftercare.bootstrap",
          "aftercare.container", "aftercare.worker", "aftercare.queue")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in ROOT.rglob("*.py") if "migrations" not in p.parts}


def imports(path: Path, name: str) -> Iterator[str]:
    tree = ast.parse(path.read_text(), str(path))
    skipped = {id(node) for guard in ast.walk(tree) if isinstance(guard, ast.If)
               and "TYPE_CHECKING" in ast.unparse(guard.test)
               for node in ast.walk(guard)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        targets = {target for target in imports(path, name) if target in known}
        edges[name] = {t for t in targets if t != name and not name.startswith(t + ".")}
    return edges


def external(name: str) -> set[str]:
    found = set()
    for target in imports(modules()[name], name):
        found.add(target)
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def package_of(name: str) -> str:
    parts = name.split(".")
    return ".".join(parts[:2])


def test_no_module_imports_itself_round_a_cycle() -> None:
    assert cycles(graph()) == []


def test_no_package_imports_itself_round_a_cycle() -> None:
    packages: dict[str, set[str]] = {}
    for name, targets in graph().items():
        mine = package_of(name)
        packages.setdefault(mine, set()).update(
            package_of(t) for t in targets if package_of(t) != mine)
    assert cycles(packages) == []


def reachable(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(edges.get(name, ()))
    return seen


@pytest.mark.parametrize("core", [m for m in sorted(modules()) if m.startswith(PURE)])
def test_the_pure_core_needs_no_database_celery_or_http(core: str) -> None:
    edges = graph()
    reached = reachable(core, edges)
    imported = {target for name in reached for target in external(name)}
    bad = sorted(t for t in imported | reached if t.startswith(IMPURE))
    assert bad == [], f"{core} reaches {bad}"


def test_the_checker_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
