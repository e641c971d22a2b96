"""Where a grader's hint ids come from, read from its source.

Hint ids are found by following where values flow into a hint: the ``hint=``
argument (or any parameter named ``hint`` or ``*_hint``), an assignment to
``<failure>.hint``, and the tables of mistakes (a ``mistakes=``, ``*_mistakes=``
or ``candidates=`` argument, by keyword or position): their dict keys, or the
first item of their (hint id, prediction) pairs; a ``#variant`` suffix of a key
is dropped. Names are followed to their assignments, loop variables to what they
loop over, calls to what the function returns, and parameters to the arguments
of the function's calls. A hint id built at run time (from text) escapes this.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any


class _Want(Enum):
    """What is asked of an expression's value."""

    ID = "a hint id"
    KEY = "a hint id, perhaps with a #variant suffix"
    ITEM0 = "a tuple whose first item is a hint id"
    TABLE = "hint ids, (hint id, ...) pairs, or a mapping keyed by hint ids"
    TABLES = "a collection of tables"


@dataclass(frozen=True)
class HintUse:
    hint: str
    line: int
    file: str = ""


def _hint_param(name: str | None) -> bool:
    return name is not None and (name == "hint" or name.endswith("_hint"))


def _table_param(name: str | None) -> bool:
    return name is not None and (name in ("mistakes", "candidates") or name.endswith("_mistakes"))


_Scope = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.Module
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_PASS_THROUGH = {"items", "keys", "copy", "split", "strip", "list", "tuple", "sorted", "dict"}


class _Flow:
    """Where the hint ids of one grader's source come from."""

    def __init__(self, trees: dict[str, ast.Module], names: dict[str, Any]) -> None:
        """``trees``: the grader's files (one, or those of a package) by name; ``names``:
        their globals, for the signatures of the functions they import."""
        self.trees = trees
        self.names = names
        self.parent: dict[ast.AST, ast.AST] = {}
        self.file: dict[ast.Module, str] = {tree: file for file, tree in trees.items()}
        self.defs: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        self.calls: dict[str, list[ast.Call]] = {}
        for tree in trees.values():
            for node in ast.walk(tree):
                for child in ast.iter_child_nodes(node):
                    self.parent[child] = node
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    self.defs.setdefault(node.name, []).append(node)
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    self.calls.setdefault(node.func.id, []).append(node)
        self.seen: set[tuple[int, _Want]] = set()

    def uses(self) -> Iterator[HintUse]:
        for tree in self.trees.values():
            yield from self._uses(tree)

    def _uses(self, tree: ast.Module) -> Iterator[HintUse]:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for name, arg in self._arguments(node):
                    if _hint_param(name):
                        yield from self.resolve(arg, _Want.ID)
                    elif _table_param(name):
                        yield from self.resolve(arg, _Want.TABLE)
            elif isinstance(node, ast.Assign):
                if any(isinstance(t, ast.Attribute) and t.attr == "hint" for t in node.targets):
                    yield from self.resolve(node.value, _Want.ID)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for param, default in _defaults(node.args):
                    if _hint_param(param.arg):
                        yield from self.resolve(default, _Want.ID)
                    elif _table_param(param.arg):
                        yield from self.resolve(default, _Want.TABLE)

    # -- the arguments of a call, by the callee's parameter names

    def _arguments(self, call: ast.Call) -> Iterator[tuple[str | None, ast.expr]]:
        for keyword in call.keywords:
            if keyword.arg is not None:
                yield keyword.arg, keyword.value
        params = self._param_names(call.func)
        for position, arg in enumerate(call.args):
            if isinstance(arg, ast.Starred):
                break
            if params is not None and position < len(params):
                yield params[position], arg

    def _param_names(self, func: ast.expr) -> list[str] | None:
        if not isinstance(func, ast.Name):
            return None
        if func.id in self.defs:
            args = self.defs[func.id][0].args
            return [a.arg for a in (*args.posonlyargs, *args.args)]
        target = self.names.get(func.id)
        if not callable(target):
            return None
        try:
            parameters = inspect.signature(target).parameters.values()
        except (TypeError, ValueError):
            return None
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        return [p.name for p in parameters if p.kind in positional]

    # -- following values

    def resolve(self, node: ast.AST, want: _Want) -> Iterator[HintUse]:
        key = (id(node), want)
        if key in self.seen:
            return
        self.seen.add(key)
        yield from self._resolve(node, want)

    def _resolve(self, node: ast.AST, want: _Want) -> Iterator[HintUse]:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and want in (_Want.ID, _Want.KEY):
                text = node.value.split("#")[0] if want is _Want.KEY else node.value
                yield HintUse(text, node.lineno, self._file_of(node))
        elif isinstance(node, ast.JoinedStr):
            first = node.values[0] if node.values else None
            if want is _Want.KEY and isinstance(first, ast.Constant) and "#" in str(first.value):
                yield HintUse(str(first.value).split("#")[0], node.lineno, self._file_of(node))
        elif isinstance(node, ast.IfExp):
            yield from self.resolve(node.body, want)
            yield from self.resolve(node.orelse, want)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                yield from self.resolve(value, want)
        elif isinstance(node, ast.Name):
            yield from self._name(node, want)
        elif isinstance(node, ast.Call):
            yield from self._call(node, want)
        elif isinstance(node, ast.Lambda):
            yield from self.resolve(node.body, want)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for value in _returns(node):
                yield from self.resolve(value, want)
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                if want is _Want.TABLE:
                    yield from self.resolve(v, want) if k is None else self.resolve(k, _Want.KEY)
                elif want is _Want.TABLES:
                    yield from self.resolve(v, _Want.TABLE)
        elif isinstance(node, ast.List | ast.Tuple | ast.Set):
            yield from self._sequence(node, want)
        elif isinstance(node, _COMPREHENSIONS):
            yield from self._comprehension(node, want)
        elif isinstance(node, ast.Subscript):
            yield from self._subscript(node, want)
        elif isinstance(node, ast.Starred):
            yield from self.resolve(node.value, want)

    def _file_of(self, node: ast.AST) -> str:
        while not isinstance(node, ast.Module):
            node = self.parent[node]
        return self.file[node]

    def _sequence(self, node: ast.List | ast.Tuple | ast.Set, want: _Want) -> Iterator[HintUse]:
        if want is _Want.ITEM0 and isinstance(node, ast.Tuple) and node.elts:
            yield from self.resolve(node.elts[0], _Want.ID)
        elif want is _Want.TABLE:
            for element in node.elts:
                yield from self._element(element)
        elif want is _Want.TABLES:
            for element in node.elts:
                yield from self.resolve(element, _Want.TABLE)

    def _element(self, node: ast.expr) -> Iterator[HintUse]:
        """An element of a table: a hint id, or a tuple whose first item is one."""
        if isinstance(node, ast.Starred):
            yield from self.resolve(node.value, _Want.TABLE)
        elif isinstance(node, ast.Tuple):
            yield from self.resolve(node, _Want.ITEM0)
        else:
            yield from self.resolve(node, _Want.ID)
            yield from self.resolve(node, _Want.ITEM0)

    def _comprehension(self, node: ast.AST, want: _Want) -> Iterator[HintUse]:
        if isinstance(node, ast.DictComp):
            if want is _Want.TABLE:
                yield from self.resolve(node.key, _Want.KEY)
            elif want is _Want.TABLES:
                yield from self.resolve(node.value, _Want.TABLE)
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            if want is _Want.TABLE:
                yield from self._element(node.elt)
            elif want is _Want.TABLES:
                yield from self.resolve(node.elt, _Want.TABLE)

    def _subscript(self, node: ast.Subscript, want: _Want) -> Iterator[HintUse]:
        value = node.value
        method = value.func if isinstance(value, ast.Call) else None
        if isinstance(method, ast.Attribute) and method.attr == "split":  # hint.split("#")[0]
            yield from self.resolve(method.value, want)
            return
        index = node.slice
        if want is _Want.ID and isinstance(index, ast.Constant) and index.value == 0:
            yield from self.resolve(value, _Want.ITEM0)
        elif want is _Want.TABLE:
            yield from self.resolve(value, _Want.TABLES)

    def _call(self, node: ast.Call, want: _Want) -> Iterator[HintUse]:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in _PASS_THROUGH:
                yield from self.resolve(func.value, want)
            return
        if isinstance(func, ast.Name) and func.id == "next" and node.args:
            if want is _Want.ID:
                yield from self.resolve(node.args[0], _Want.TABLE)
            for default in node.args[1:]:
                yield from self.resolve(default, want)
            return
        if isinstance(func, ast.Name) and func.id in _PASS_THROUGH and node.args:
            yield from self.resolve(node.args[0], want)
            return
        yield from self.resolve(func, want)  # what the function returns

    # -- names: what they are bound to where they are used

    def _name(self, node: ast.Name, want: _Want) -> Iterator[HintUse]:
        name = node.id
        child: ast.AST = node
        here = self.parent.get(node)
        while here is not None:
            if isinstance(here, _COMPREHENSIONS):
                bound = [g for g in here.generators if name in _bound_names(g.target)]
                if bound and child not in here.generators:
                    for generator in bound:
                        yield from self._target(generator.target, name, generator.iter, want)
                    return
            if isinstance(here, _Scope) and _binds(here, name):
                yield from self._bindings(here, name, want)
                return
            child, here = here, self.parent.get(here)
        for definition in self.defs.get(name, ()):  # imported from a file beside
            yield from self.resolve(definition, want)
        for tree in self.trees.values():  # a constant imported from a file beside
            if tree is not child:
                yield from self._bindings(tree, name, want)

    def _target(self, target: ast.AST, name: str, loop: ast.expr, want: _Want) -> Iterator[HintUse]:
        """``name`` bound by ``for target in loop``."""
        if isinstance(target, ast.Name):
            if want in (_Want.ID, _Want.KEY, _Want.ITEM0):
                yield from self.resolve(loop, _Want.TABLE)
            elif want is _Want.TABLE:
                yield from self.resolve(loop, _Want.TABLES)
        elif isinstance(target, ast.Tuple) and _first_name(target) == name and _one(want):
            yield from self.resolve(loop, _Want.TABLE)

    def _bindings(self, scope: _Scope, name: str, want: _Want) -> Iterator[HintUse]:
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from self._parameter(scope, name, want)
        for node in _walk_scope(scope):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    yield from self._assigned(target, name, node.value, want)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                if node.target.id == name and want is _Want.TABLE:  # table += [...]
                    yield from self.resolve(node.value, want)
            elif isinstance(node, ast.For | ast.AsyncFor) and name in _bound_names(node.target):
                yield from self._target(node.target, name, node.iter, want)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
                yield from self.resolve(node, want)
            elif isinstance(node, ast.Call) and want is _Want.TABLE:
                yield from self._grown(node, name)

    def _assigned(
        self, target: ast.AST, name: str, value: ast.expr, want: _Want
    ) -> Iterator[HintUse]:
        if isinstance(target, ast.Name) and target.id == name:
            yield from self.resolve(value, want)
        elif isinstance(target, ast.Tuple) and _first_name(target) == name and _one(want):
            yield from self.resolve(value, _Want.ITEM0)
        elif (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and target.value.id == name
        ):
            if want is _Want.TABLE:
                yield from self.resolve(target.slice, _Want.KEY)
            elif want is _Want.TABLES:
                yield from self.resolve(value, _Want.TABLE)

    def _grown(self, call: ast.Call, name: str) -> Iterator[HintUse]:
        """``name.append(...)`` and the like, of a table."""
        func = call.func
        if not (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == name
            and call.args
        ):
            return
        if func.attr in ("append", "add"):
            yield from self._element(call.args[0])
        elif func.attr == "insert" and len(call.args) > 1:
            yield from self._element(call.args[1])
        elif func.attr in ("extend", "update"):
            yield from self.resolve(call.args[0], _Want.TABLE)

    def _parameter(
        self, scope: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, name: str, want: _Want
    ) -> Iterator[HintUse]:
        args = scope.args
        if args.vararg is not None and args.vararg.arg == name:
            if not isinstance(scope, ast.Lambda):
                yield from self._packed(scope, want)
            return
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        if not any(a.arg == name for a in every):
            return
        for arg, default in _defaults(args):
            if arg.arg == name:
                yield from self.resolve(default, want)
        if isinstance(scope, ast.Lambda):
            return
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        for call in self.calls.get(scope.name, ()):
            for keyword in call.keywords:
                if keyword.arg == name:
                    yield from self.resolve(keyword.value, want)
            if name in positional:
                position = positional.index(name)
                if position < len(call.args) and not any(
                    isinstance(a, ast.Starred) for a in call.args[: position + 1]
                ):
                    yield from self.resolve(call.args[position], want)

    def _packed(
        self, scope: ast.FunctionDef | ast.AsyncFunctionDef, want: _Want
    ) -> Iterator[HintUse]:
        """The ``*args`` of ``scope``: a tuple of the arguments its calls pass there."""
        first = len(scope.args.posonlyargs) + len(scope.args.args)
        for call in self.calls.get(scope.name, ()):
            for arg in call.args[first:]:
                if want is _Want.TABLES:
                    yield from self.resolve(arg, _Want.TABLE)
                elif want is _Want.TABLE:
                    yield from self._element(arg)


def _one(want: _Want) -> bool:
    """Whether ``want`` asks for one hint id."""
    return want is _Want.ID or want is _Want.KEY


def _defaults(args: ast.arguments) -> Iterator[tuple[ast.arg, ast.expr]]:
    positional = [*args.posonlyargs, *args.args]
    yield from zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if default is not None:
            yield arg, default


def _returns(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.expr]:
    for node in _walk_scope(function):
        if isinstance(node, ast.Return) and node.value is not None:
            yield node.value


def _walk_scope(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a scope, with the nested functions' definitions but not their bodies."""
    todo: list[ast.AST] = []
    if isinstance(scope, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef):
        todo = list(scope.body)
    elif isinstance(scope, ast.Lambda):
        todo = [scope.body]
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            todo.extend(ast.iter_child_nodes(node))


def _binds(scope: _Scope, name: str) -> bool:
    """Whether ``scope`` binds ``name`` (an import aside: that is followed to the file
    beside that defines it)."""
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        args = scope.args
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        if any(a is not None and a.arg == name for a in every):
            return True
    for node in _walk_scope(scope):
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(name in _bound_names(t) for t in targets if not isinstance(t, ast.Subscript)):
                return True
        elif isinstance(node, ast.For | ast.AsyncFor) and name in _bound_names(node.target):
            return True
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == name:
                return True
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            if name in _bound_names(node.optional_vars):
                return True
        elif isinstance(node, ast.NamedExpr) and node.target.id == name:
            return True
    return False


def _bound_names(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _first_name(target: ast.Tuple) -> str | None:
    first = target.elts[0] if target.elts else None
    return first.id if isinstance(first, ast.Name) else None


def hint_uses(
    sources: dict[str, str | ast.Module], names: dict[str, Any] | None = None
) -> list[HintUse]:
    """The hint ids a grader's files (source text or parsed, by file name) can give, with
    where (sorted, unique); ``names``: their globals, for the signatures of imports."""
    trees = {
        file: ast.parse(source) if isinstance(source, str) else source
        for file, source in sources.items()
    }
    found = set(_Flow(trees, names or {}).uses())
    return sorted(found, key=lambda use: (use.file, use.line, use.hint))
