#!/usr/bin/env python3
"""The training package's imports (models/train/*.py) form a DAG, all at module top.

Reads the sources with ast (no PyTorch needed) and checks that
  1. every import statement is at module level: directly in the module or in a module-level
     try/except ImportError (the package-or-plain-module fallback below); none in a function, a class or
     an `if` (so the dependencies of a module are what its head says);
  2. the imports between the package's modules have no cycle;
  3. the modules tests/core and `export.py --random` load as plain modules (sys.path = models/train) have
     every relative import inside such a try with a plain fallback.
Usage: imports.py [REPO_ROOT]
"""
import ast
import os
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
PKG = os.path.join(ROOT, "models", "train")
PKG_NAME = "models.train"
# Imported as plain modules by tests/core/*.py and by export.py run as a script.
PLAIN = {"cocolor_nets", "export", "reference", "safetensors_io", "test_unet"}
# Imports allowed inside a function: an optional heavy dependency a module must load without.  None now.
OPTIONAL = {}   # {module: {imported name, ...}}


def catches_import_error(handler):
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names)


def imports(tree):
    """(node, where) for every import: where is "top", "try" (module-level try/except ImportError, body or
    handler), "def NAME" / "class NAME" (the outermost one it is in) or "a module-level STATEMENT"."""
    out = []

    def visit(node, where):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                out.append((child, where))
            elif isinstance(child, ast.Try) and where == "top" and any(map(catches_import_error, child.handlers)):
                for stmt in child.body + [s for h in child.handlers for s in h.body] + child.orelse + child.finalbody:
                    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                        out.append((stmt, "try"))
                    else:
                        visit(stmt, "a module-level " + type(stmt).__name__)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(child, where if where.startswith(("def ", "class ")) else
                      ("class " if isinstance(child, ast.ClassDef) else "def ") + child.name)
            elif isinstance(child, ast.stmt):
                visit(child, where if where.startswith(("def ", "class ")) else "a module-level " + type(child).__name__)
            else:
                visit(child, where)

    visit(tree, "top")
    return out


def targets(node, modules):
    """The package's modules an import statement loads, and whether it is relative."""
    if isinstance(node, ast.Import):
        found = set()
        for a in node.names:
            if a.name.startswith(PKG_NAME + "."):
                found.add(a.name[len(PKG_NAME) + 1:].split(".")[0])
            elif a.name in modules:
                found.add(a.name)
        return found, False
    if node.level:   # from . import x / from .x import y
        if node.module:
            return {node.module.split(".")[0]} & modules, True
        return {a.name for a in node.names} & modules, True
    if node.module == PKG_NAME:
        return {a.name for a in node.names} & modules, False
    if node.module and node.module.startswith(PKG_NAME + "."):
        return {node.module[len(PKG_NAME) + 1:].split(".")[0]}, False
    return ({node.module} & modules if node.module else set()), False


def find_cycle(graph):
    state, stack = {}, []

    def dfs(m):
        state[m] = "open"
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == "open":
                return stack[stack.index(n):] + [n]
            if n not in state:
                c = dfs(n)
                if c:
                    return c
        stack.pop()
        state[m] = "done"
        return None

    for m in sorted(graph):
        if m not in state:
            c = dfs(m)
            if c:
                return c
    return None


def layers(graph):
    """Modules grouped by depth: first those that import no sibling, then those importing only those..."""
    out, placed = [], set()
    while len(placed) < len(graph):
        layer = sorted(m for m in graph if m not in placed and graph[m] <= placed)
        if not layer:
            break
        out.append(layer)
        placed |= set(layer)
    return out


def main():
    files = sorted(f for f in os.listdir(PKG) if f.endswith(".py"))
    modules = {f[:-3] for f in files}
    failures, graph = [], {}
    for f in files:
        mod = f[:-3]
        path = os.path.join(PKG, f)
        tree = ast.parse(open(path, encoding="utf-8").read(), path)
        graph[mod] = set()
        for node, where in imports(tree):
            deps, relative = targets(node, modules)
            graph[mod] |= deps - {mod}
            names = {a.name for a in node.names} | ({node.module} if isinstance(node, ast.ImportFrom) and node.module else set())
            if where not in ("top", "try") and not names & OPTIONAL.get(mod, set()):
                failures.append(f"{f}:{node.lineno}: import inside {where}: {ast.unparse(node)}")
            if mod in PLAIN and relative and where != "try":
                failures.append(f"{f}:{node.lineno}: {mod} is loaded as a plain module too (tests/core), so a "
                                f"relative import needs a plain fallback: {ast.unparse(node)}")
    for f in (m for m in PLAIN if m not in modules):
        failures.append(f"{f}.py: expected in models/train (tests/core load it)")
    cycle = find_cycle(graph)
    if cycle:
        failures.append("import cycle: " + " -> ".join(cycle))
    else:
        for i, layer in enumerate(layers(graph)):
            print(f"layer {i}: " + ", ".join(f"{m} ({', '.join(sorted(graph[m])) or '-'})" for m in layer))
    for msg in failures:
        print("FAIL:", msg)
    print(f"{len(files)} modules, {sum(map(len, graph.values()))} imports between them: "
          f"{'FAIL' if failures else 'ok'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
