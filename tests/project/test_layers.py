"""The layering docs/architecture.md describes, kept true: import-linter's contracts
(`.importlinter`: apps depend downwards, the text kernel and the pipeline's middle stages stay
pure) and no import cycle between any two modules of the package, imports inside functions
included (a function-level import only hides a cycle; it does not remove it)."""

from __future__ import annotations

import logging
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def loggers_kept():
    """lint_imports configures logging with dictConfig, which disables every logger that exists
    already (django.request among them) for the rest of the process: later tests of the logs
    then read nothing. Put them back as they were."""
    existing = {name: logger.disabled for name, logger in logging.Logger.manager.loggerDict.items()
                if isinstance(logger, logging.Logger)}
    yield
    for name, disabled in existing.items():
        logging.getLogger(name).disabled = disabled


def test_the_import_contracts_hold(monkeypatch, capsys, loggers_kept):
    monkeypatch.chdir(ROOT)  # the package analysed is this checkout's
    code = lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True, no_logo=True)
    assert code == 0, capsys.readouterr().out[-4000:]


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Kosaraju, iteratively)."""
    modules = sorted(graph.modules)
    out = {m: sorted(x for x in graph.find_modules_directly_imported_by(m) if x in graph.modules) for m in modules}
    into: dict[str, list[str]] = {m: [] for m in modules}
    for m, targets in out.items():
        for t in targets:
            into[t].append(m)
    order, seen = [], set()
    for start in modules:
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(out[start]))]
        while stack:
            node, rest = stack[-1]
            for nxt in rest:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, iter(out[nxt])))
                    break
            else:
                stack.pop()
                order.append(node)
    group: dict[str, str] = {}
    for head in reversed(order):
        if head in group:
            continue
        group[head] = head
        todo = [head]
        while todo:
            for prev in into[todo.pop()]:
                if prev not in group:
                    group[prev] = head
                    todo.append(prev)
    members: dict[str, list[str]] = {}
    for m, head in group.items():
        members.setdefault(head, []).append(m)
    return sorted(sorted(ms) for ms in members.values() if len(ms) > 1)


def test_no_module_imports_itself_through_others(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    graph = grimp.build_graph("wiredesk", cache_dir=None)
    package = graph.find_children("wiredesk")
    assert "wiredesk.ingest" in package and "wiredesk.stories" in package  # this checkout, all of it
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    """The check above, shown to fail on a cycle (a graph made here, not the package)."""
    graph = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d"):
        graph.add_module(name)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")  # a -> b -> c -> a
    graph.add_import(importer="pkg.d", imported="pkg.a")  # d only leans on the cycle
    assert _cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]
