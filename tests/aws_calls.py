"""Every AWS call the project's code makes, found statically and judged by botocore.

The reader walks the source with `ast` and knows a client by how the code gets one:
`X.client("service")`, `clients("service")` or `boto3.client("service")`, a name
assigned from one of those, or a name of the house convention (`cfn`, `s3`, `iam`,
...). A call on a client is an AWS call: `cfn.create_change_set(...)`, a client method
handed to the function's wrappers (`call(iam.list_access_keys, UserName=user)`), a
paginator's `paginate(...)` or a waiter's `wait(...)`. Keyword arguments spread from a
dict (`**extra`) are resolved from the dict literals, subscript assignments and
returned dicts that build it; a spread the reader cannot resolve is reported, so no
call escapes the judgement. botocore's service models then judge each call: the
operation exists, every parameter name is a member of its input, every required
member is given.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from botocore import xform_name
from botocore.exceptions import DataNotFoundError, UnknownServiceError
from botocore.loaders import Loader
from botocore.model import ServiceModel

# Names the code gives clients it receives as arguments or keeps as attributes.
CONVENTION = {
    "cfn": "cloudformation",
    "s3": "s3",
    "iam": "iam",
    "ec2": "ec2",
    "emrs": "emr-serverless",
    "emr": "emr",
    "kms": "kms",
    "sts": "sts",
    "sm": "secretsmanager",
    "secrets": "secretsmanager",
    "servicecatalog": "servicecatalog",
}
# The function's wrappers that call a client method with the keyword arguments
# they are given, less their own.
WRAPPERS = {"call": {"retry_codes", "sleep"}, "quietly": set(), "again_if_lost": set()}
CLIENT_METHODS = {"get_paginator", "get_waiter", "can_paginate", "close", "meta"}
FACTORIES = {"client", "clients"}


@dataclass
class AwsCall:
    """One AWS call site: where, which operation, which parameter names."""

    path: str
    line: int
    service: str
    method: str  # snake_case, as the code writes it
    names: set[str] = field(default_factory=set)
    kind: str = "call"  # call, paginate or wait
    unresolved: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _service_of_factory(node: ast.AST) -> str | None:
    """'svc' for X.client("svc"), clients("svc") or client("svc")."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    first = node.args[0]
    if name in FACTORIES and isinstance(first, ast.Constant):
        return str(first.value)
    return None


def _last_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _Function:
    """What one function body says about names: clients and dicts of arguments."""

    def __init__(
        self,
        body: ast.AST,
        returns: dict[str, set[str] | None],
        modules: set[str],
    ) -> None:
        self.modules = modules
        self.clients: dict[str, str] = {}
        self.dicts: dict[str, list[ast.AST]] = {}
        self.keys: dict[str, set[str]] = {}
        self.returns = returns
        for node in ast.walk(body):
            targets: list[ast.AST] = []
            value: ast.AST | None = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            for target in targets:
                if isinstance(target, ast.Subscript):
                    owner = _last_name(target.value)
                    key = target.slice
                    if owner and isinstance(key, ast.Constant):
                        self.keys.setdefault(owner, set()).add(str(key.value))
                    continue
                name = _last_name(target)
                if name is None or value is None:
                    continue
                service = _service_of_factory(value)
                if service is None and isinstance(value, ast.Name | ast.Attribute):
                    service = CONVENTION.get(_last_name(value) or "")
                if service:
                    self.clients[name] = service
                else:
                    self.dicts.setdefault(name, []).append(value)

    def service(self, node: ast.AST) -> str | None:
        """The service of the client an expression denotes, if it is one."""
        direct = _service_of_factory(node)
        if direct:
            return direct
        name = _last_name(node)
        if name is None or name in self.modules:
            return None
        if name in self.clients:
            return self.clients[name]
        if name in self.dicts and isinstance(node, ast.Name):
            return None  # a local name bound to something else
        return CONVENTION.get(name)

    def spread(self, node: ast.AST, seen: frozenset[str] = frozenset()) -> set[str]:
        """The keys a `**node` spread can carry; raises KeyError when unknown."""
        if isinstance(node, ast.Dict):
            keys: set[str] = set()
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:
                    keys |= self.spread(value, seen)
                elif isinstance(key, ast.Constant):
                    keys.add(str(key.value))
                else:
                    raise KeyError(ast.unparse(key))
            return keys
        if isinstance(node, ast.IfExp):
            return self.spread(node.body, seen) | self.spread(node.orelse, seen)
        if isinstance(node, ast.Call):
            func = _last_name(node.func)
            if func == "dict" and not node.args:
                return {k.arg for k in node.keywords if k.arg}
            found = self.returns.get(func or "")
            if found is None:
                raise KeyError(ast.unparse(node))
            return found
        name = _last_name(node)
        if name is None or name in seen or name not in self.dicts:
            raise KeyError(ast.unparse(node))
        keys = set(self.keys.get(name, set()))
        for value in self.dicts[name]:
            keys |= self.spread(value, seen | {name})
        return keys


def _returned_dicts(tree: ast.AST) -> dict[str, set[str] | None]:
    """For each function, the keys of the dict literals it returns (None: other)."""
    found: dict[str, set[str] | None] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        keys: set[str] | None = set()
        for inner in ast.walk(node):
            if isinstance(inner, ast.Return) and inner.value is not None:
                value = inner.value
                if isinstance(value, ast.Dict) and all(
                    isinstance(k, ast.Constant) for k in value.keys
                ):
                    assert keys is not None
                    keys |= {str(k.value) for k in value.keys}  # type: ignore[union-attr]
                else:
                    keys = None
                    break
        found[node.name] = keys or None
    return found


def _keywords(
    scope: _Function, keywords: Iterable[ast.keyword], drop: set[str]
) -> tuple[set[str], list[str]]:
    names: set[str] = set()
    unresolved: list[str] = []
    for keyword in keywords:
        if keyword.arg is not None:
            if keyword.arg not in drop:
                names.add(keyword.arg)
            continue
        try:
            names |= scope.spread(keyword.value)
        except KeyError as unknown:
            unresolved.append(f"**{unknown.args[0]}")
    return names, unresolved


def calls_in_source(
    source: str, path: str, returns: dict[str, set[str] | None] | None = None
) -> Iterator[AwsCall]:
    """Every AWS call site in one module's source; `returns` adds the dicts other
    modules' functions return."""
    tree = ast.parse(source)
    returns = {**(returns or {}), **_returned_dicts(tree)}
    modules = _imported(tree)
    scopes = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    seen: set[int] = set()
    # Innermost scopes first: a call is judged with what its own function knows.
    for scope_node in [*reversed(scopes), tree]:
        scope = _Function(scope_node, returns, modules)
        for node in ast.walk(scope_node):
            if not isinstance(node, ast.Call) or id(node) in seen:
                continue
            seen.add(id(node))  # judged by its innermost function only
            found = _classify(scope, node, path)
            if found is not None:
                yield found


def _classify(scope: _Function, node: ast.Call, path: str) -> AwsCall | None:
    func = node.func
    # paginator and waiter: <client>.get_paginator("op").paginate(**kw)
    if isinstance(func, ast.Attribute) and func.attr in ("paginate", "wait"):
        inner = func.value
        if (
            isinstance(inner, ast.Call)
            and isinstance(inner.func, ast.Attribute)
            and inner.func.attr in ("get_paginator", "get_waiter")
            and inner.args
            and isinstance(inner.args[0], ast.Constant)
        ):
            service = scope.service(inner.func.value)
            if service:
                names, unresolved = _keywords(scope, node.keywords, set())
                kind = "paginate" if func.attr == "paginate" else "wait"
                return AwsCall(
                    path, inner.args[0].lineno, service, str(inner.args[0].value),
                    names, kind, unresolved,
                )  # fmt: skip
    # a client method handed to a wrapper: call(iam.get_user, UserName=user)
    wrapper = _last_name(func)
    if wrapper in WRAPPERS and node.args and isinstance(node.args[0], ast.Attribute):
        target = node.args[0]
        service = scope.service(target.value)
        if service:
            names, unresolved = _keywords(scope, node.keywords, WRAPPERS[wrapper])
            return AwsCall(
                path, _line(target), service, target.attr, names, "call", unresolved
            )
    if isinstance(func, ast.Attribute) and func.attr not in CLIENT_METHODS:
        service = scope.service(func.value)
        if service:
            names, unresolved = _keywords(scope, node.keywords, set())
            return AwsCall(
                path, _line(func), service, func.attr, names, "call", unresolved
            )
    return None


def _imported(tree: ast.AST) -> set[str]:
    """The names a module binds by importing."""
    return {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }


def _line(node: ast.AST) -> int:
    """The line an attribute's name stands on."""
    return int(getattr(node, "end_lineno", None) or getattr(node, "lineno", 0))


def project_calls(roots: Iterable[Path], base: Path) -> list[AwsCall]:
    """Every AWS call site under the given folders."""
    paths = sorted(path for root in roots for path in root.rglob("*.py"))
    sources = {path: path.read_text(encoding="utf-8") for path in paths}
    returns: dict[str, set[str] | None] = {}
    for source in sources.values():
        returns.update(_returned_dicts(ast.parse(source)))
    found: list[AwsCall] = []
    for path, source in sources.items():
        relative = str(path.relative_to(base))
        found.extend(calls_in_source(source, relative, returns))
    return found


class Models:
    """botocore's service models, from the installed botocore or a data folder."""

    def __init__(self, data: Path | None = None) -> None:
        if data is None:
            self.loader = Loader()
        else:
            self.loader = Loader(
                extra_search_paths=[str(data)], include_default_search_paths=False
            )
        self._services: dict[str, ServiceModel] = {}
        self._paginators: dict[str, dict] = {}
        self._waiters: dict[str, dict] = {}

    def service(self, name: str) -> ServiceModel:
        if name not in self._services:
            raw = self.loader.load_service_model(name, "service-2")
            self._services[name] = ServiceModel(raw, service_name=name)
        return self._services[name]

    def operations(self, name: str) -> dict[str, str]:
        """snake_case name -> operation name."""
        return {xform_name(op): op for op in self.service(name).operation_names}

    def _optional(self, name: str, kind: str) -> dict:
        """A model file a service may not have (no paginators, no waiters)."""
        try:
            return dict(self.loader.load_service_model(name, kind))
        except (UnknownServiceError, DataNotFoundError):
            return {}

    def paginators(self, name: str) -> dict:
        if name not in self._paginators:
            self._paginators[name] = self._optional(name, "paginators-1").get(
                "pagination", {}
            )
        return self._paginators[name]

    def waiters(self, name: str) -> dict:
        if name not in self._waiters:
            self._waiters[name] = self._optional(name, "waiters-2").get("waiters", {})
        return self._waiters[name]


def judge(call: AwsCall, models: Models) -> list[str]:
    """What botocore's models reject in one call; empty when it is well formed."""
    where = f"{call.where}: {call.service}.{call.method}"
    problems = [f"{where}: cannot resolve {u}" for u in call.unresolved]
    operations = models.operations(call.service)
    extra: set[str] = set()
    if call.kind == "wait":
        waiter = {xform_name(w): w for w in models.waiters(call.service)}
        if call.method not in waiter:
            return [*problems, f"{where}: no waiter {call.method!r}"]
        operation = models.waiters(call.service)[waiter[call.method]]["operation"]
        extra = {"WaiterConfig"}
    elif call.kind == "paginate":
        if call.method not in operations:
            return [*problems, f"{where}: no operation {call.method!r}"]
        operation = operations[call.method]
        if operation not in models.paginators(call.service):
            return [*problems, f"{where}: {operation} has no paginator"]
        extra = {"PaginationConfig"}
    else:
        if call.method not in operations:
            return [*problems, f"{where}: no operation {call.method!r}"]
        operation = operations[call.method]
    shape = models.service(call.service).operation_model(operation).input_shape
    members = set(shape.members) if shape is not None else set()
    required = set(shape.required_members) if shape is not None else set()
    for name in sorted(call.names - members - extra):
        problems.append(f"{where}: {operation} has no parameter {name!r}")
    if not call.unresolved:
        for name in sorted(required - call.names):
            problems.append(f"{where}: {operation} needs parameter {name!r}")
    return problems


def operation_references(source: str) -> Iterator[tuple[int, str]]:
    """(line, name) of every method called, or handed to a call as its first
    argument: what a completeness check compares the judged calls with."""
    tree = ast.parse(source)
    modules = _imported(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute):
            if _last_name(node.func.value) in modules:
                continue  # a module's function, not a client's method
            yield _line(node.func), node.func.attr
        if node.args and isinstance(node.args[0], ast.Attribute):
            yield _line(node.args[0]), node.args[0].attr
        getter = _last_name(node.func) in ("get_paginator", "get_waiter")
        if getter and node.args and isinstance(node.args[0], ast.Constant):
            yield node.args[0].lineno, str(node.args[0].value)
