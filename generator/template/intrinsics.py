"""The one reader of built templates' intrinsic functions: what a value refers to
(with the Fn::If branches around it) and which conditions hold for some parameter
values. The import template, the pictures and the cost all read templates
through it."""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Iterator
from typing import Any

Context = tuple[tuple[str, bool], ...]  # (condition, holds) of each Fn::If branch
SUB_TOKEN = re.compile(r"\$\{([^}!][^}]*)\}")  # ${Name} or ${Name.Attr}; not ${!x}
ANY_SUB_TOKEN = re.compile(r"\$\{([^}]+)\}")  # every token, ${!x} included


def mentions(value: Any, context: Context = ()) -> Iterator[tuple[str, Context]]:
    """Every name a value refers to, with the Fn::If branches it sits in: Ref
    targets, Fn::GetAtt resources, Fn::Sub tokens (not the Sub's own variables),
    Fn::If conditions and {"Condition": name}. Pseudo parameters (AWS::Region)
    are named as they are written."""
    if isinstance(value, list):
        for item in value:
            yield from mentions(item, context)
        return
    if not isinstance(value, dict):
        return
    for key, arg in value.items():
        if key == "Ref":
            yield str(arg), context
        elif key == "Fn::GetAtt":
            yield (arg[0] if isinstance(arg, list) else str(arg).split(".")[0]), context
        elif key == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0]
            local = {} if isinstance(arg, str) else arg[1]
            for token in SUB_TOKEN.findall(text):
                if token not in local:
                    yield token.split(".")[0], context
            yield from mentions(local, context)
        elif key == "Fn::If":
            name, when_true, when_false = arg
            yield str(name), context
            yield from mentions(when_true, (*context, (str(name), True)))
            yield from mentions(when_false, (*context, (str(name), False)))
        elif key == "Condition" and isinstance(arg, str):  # not IAM's Condition
            yield arg, context
        else:
            yield from mentions(arg, context)


NO_VALUE: Any = type("NoValue", (), {"__repr__": lambda _: "AWS::NoValue"})()


class Walk:
    """The one walk over a value's intrinsic functions. A mode (a subclass) says
    what the leaves stand for: a Ref, a GetAtt, an Fn::If's branches, an Fn::Sub's
    token, and the other functions; AWS::NoValue (NO_VALUE) leaves the lists and
    objects it sits in."""

    def ref(self, name: str) -> Any:
        return {"Ref": name}

    def get_att(self, logical: str, attribute: str) -> Any:
        return {"Fn::GetAtt": [logical, attribute]}

    def branch(self, condition: str, yes: Any, no: Any) -> Any:
        raise NotImplementedError

    def token(self, token: str, local: dict[str, Any]) -> str:
        """What ${token} of an Fn::Sub becomes (local: its own variables);
        ${!Literal} reads ${Literal}, as CloudFormation writes it."""
        if token.startswith("!"):
            return "${" + token[1:] + "}"
        if token in local:
            return str(local[token])
        if "." in token:
            return str(self.get_att(*token.split(".", 1)))
        return str(self.ref(token))

    def function(self, name: str, arg: Any) -> Any:
        """Any other function: the mode's method for it (Fn::FindInMap:
        fn_find_in_map), or kept, its arguments walked."""
        method = getattr(self, "fn_" + _snake(name.removeprefix("Fn::")), None)
        return method(arg) if method else {name: self.resolve(arg)}

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((name, arg),) = value.items()
            if name == "Ref":
                return NO_VALUE if arg == "AWS::NoValue" else self.ref(arg)
            if name == "Fn::GetAtt":
                logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical, attribute)
            if name == "Fn::If":
                condition, yes, no = arg
                return self.branch(condition, yes, no)
            if name == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else arg
                local = {k: self.resolve(v) for k, v in variables.items()}
                return ANY_SUB_TOKEN.sub(lambda m: self.token(m[1], local), text)
            if name == "Fn::Join":
                glue, parts = arg
                return str(glue).join(str(p) for p in self.resolve(parts))
            if name.startswith("Fn::"):
                return self.function(name, arg)
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}


def _snake(name: str) -> str:
    """FindInMap -> find_in_map, GetAZs -> get_azs."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()


def attributes(value: Any) -> Iterator[tuple[str, str]]:
    """(logical ID, attribute) of every Fn::GetAtt in the value, in either form,
    and of every ${Logical.Attribute} token of its Fn::Subs."""
    if isinstance(value, list):
        for item in value:
            yield from attributes(item)
        return
    if not isinstance(value, dict):
        return
    for key, arg in value.items():
        if key == "Fn::GetAtt":
            logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            yield str(logical), str(attribute)
        elif key == "Fn::Sub":
            text, local = (arg, {}) if isinstance(arg, str) else arg
            for token in SUB_TOKEN.findall(text):
                if token not in local and "." in token:
                    logical, attribute = token.split(".", 1)
                    yield logical, attribute
            yield from attributes(local)
        else:
            yield from attributes(arg)


def parameter_values(template: dict[str, Any], **chosen: str) -> dict[str, Any]:
    """Every parameter's default, with the chosen values over them."""
    declared = template.get("Parameters", {})
    return {k: v.get("Default", "") for k, v in declared.items()} | chosen


class Conditions:
    """Evaluates a template's Conditions, and its Rules' functions, for some
    parameter values. Pseudo parameters (AWS::Region) take the values given for
    them. With `partial`, a name without a value is not known yet: `known` then
    answers None where the outcome depends on it (what a launch decides)."""

    def __init__(
        self, template: dict[str, Any], values: dict[str, Any], partial: bool = False
    ) -> None:
        self.template, self.values, self.partial = template, values, partial

    def value(self, expr: Any) -> Any:
        """A Ref, Fn::Join, Fn::Split, Fn::Select or literal used inside a
        condition (a list's items each worked out)."""
        if isinstance(expr, list):
            return [self.value(e) for e in expr]
        if isinstance(expr, dict) and "Ref" in expr:
            value = self.values[expr["Ref"]]
            spec = self.template["Parameters"].get(expr["Ref"], {})
            if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
                return value.split(",")
            return value
        if isinstance(expr, dict) and "Fn::Join" in expr:
            glue, parts = expr["Fn::Join"]
            return glue.join(str(p) for p in self.value(parts))
        if isinstance(expr, dict) and "Fn::Split" in expr:
            glue, text = expr["Fn::Split"]
            return str(self.value(text)).split(glue)
        if isinstance(expr, dict) and "Fn::Select" in expr:
            index, items = expr["Fn::Select"]
            return self.value(items)[int(index)]
        return expr

    def holds(self, condition: Any) -> bool:
        """True when the named condition, or condition expression, holds."""
        found = self.known(condition)
        if found is None:
            raise ValueError(f"{condition} depends on a parameter without a value")
        return found

    def known(self, condition: Any) -> bool | None:
        """The named condition's, or expression's, value; None when it depends
        on an unknown parameter. The Rules' functions (Fn::Contains,
        Fn::EachMemberEquals, Fn::EachMemberIn) are evaluated too."""
        if isinstance(condition, str):
            return self.known(self.template["Conditions"][condition])
        ((fn, args),) = condition.items()
        if fn == "Condition":
            return self.known(args)
        if fn in ("Fn::And", "Fn::Or", "Fn::Not"):
            parts = [self.known(a) for a in args]
            if fn == "Fn::Not":
                return None if parts[0] is None else not parts[0]
            decisive = fn == "Fn::Or"  # True decides an Or, False an And
            if decisive in parts:
                return decisive
            return None if None in parts else not decisive
        if self.partial and any(name not in self.values for name, _ in mentions(args)):
            return None
        if fn == "Fn::Equals":
            left, right = (str(self.value(a)) for a in args)
            return left == right
        if fn in ("Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn"):
            items, other = (self.value(a) for a in args)
            if fn == "Fn::Contains":
                return other in items
            if fn == "Fn::EachMemberEquals":
                return all(item == other for item in items)
            return all(item in other for item in items)
        raise ValueError(f"cannot evaluate condition function {fn}")

    def failed_rules(self) -> list[str]:
        """The AssertDescription of every Rules assertion that fails."""
        failed = []
        for rule in self.template.get("Rules", {}).values():
            if "RuleCondition" in rule and not self.holds(rule["RuleCondition"]):
                continue
            for assertion in rule["Assertions"]:
                if not self.holds(assertion["Assert"]):
                    failed.append(assertion.get("AssertDescription", ""))
        return failed

    def resolve(self, value: Any) -> Any:
        """A value with Fn::If, Refs to parameters, Fn::Join and Fn::Sub over
        parameters worked out (AWS::NoValue dropped); other functions stay."""
        return _Chosen(self).resolve(value)

    def present(self, logical: str) -> bool:
        """True when the resource exists under these values."""
        condition = self.template["Resources"][logical].get("Condition")
        return condition is None or self.holds(condition)

    def kept(self, value: Any) -> Any:
        """A value with each Fn::If resolved and AWS::NoValue dropped, from lists
        and objects alike (None when the value itself is AWS::NoValue)."""
        if isinstance(value, list):
            items = [self.kept(v) for v in value]
            return [v for v in items if v is not None]
        if not isinstance(value, dict):
            return value
        if value == {"Ref": "AWS::NoValue"}:
            return None
        if len(value) == 1 and "Fn::If" in value:
            name, yes, no = value["Fn::If"]
            return self.kept(yes if self.holds(name) else no)
        kept = {k: self.kept(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None}


class _Chosen(Walk):
    """Conditions.resolve: the branches the values choose, parameters' values;
    pseudo parameters and other references stay as written."""

    def __init__(self, conditions: Conditions) -> None:
        self.conditions = conditions

    def ref(self, name: str) -> Any:
        if name in self.conditions.values:
            return self.conditions.value({"Ref": name})
        return {"Ref": name}

    def token(self, token: str, local: dict[str, Any]) -> str:
        if token in local or token in self.conditions.values:
            return str(local.get(token, self.conditions.values.get(token)))
        return "${" + token + "}"

    def branch(self, condition: str, yes: Any, no: Any) -> Any:
        return self.resolve(yes if self.conditions.holds(condition) else no)


class _Valued(_Chosen):
    """Every value worked out as CloudFormation would, for one stack: parameters'
    values, pseudo parameters' (`pseudo`), a resource's Ref as its logical ID and
    its GetAtt as "Logical.Attribute" (AWS makes those only at deploy time), the
    Fn::If branches the conditions choose."""

    token = Walk.token  # every token is worked out

    def __init__(self, template: dict[str, Any], conditions: Conditions) -> None:
        super().__init__(conditions)
        self.template = template

    def ref(self, name: str) -> Any:
        return super().ref(name) if name in self.conditions.values else name

    def get_att(self, logical: str, attribute: str) -> str:
        return f"{logical}.{attribute}"

    def fn_select(self, arg: list) -> Any:
        return self.resolve(arg[1])[int(self.resolve(arg[0]))]

    def fn_split(self, arg: list) -> list[str]:
        return str(self.resolve(arg[1])).split(arg[0])

    def fn_find_in_map(self, arg: list) -> Any:
        table, top, second = (self.resolve(a) for a in arg)
        return self.template["Mappings"][table][top][second]

    def fn_cidr(self, arg: list) -> list[str]:
        block, count, bits = (self.resolve(a) for a in arg)
        network = ipaddress.ip_network(str(block))
        size = network.max_prefixlen - int(bits)
        subnets = itertools.islice(network.subnets(new_prefix=size), int(count))
        return [str(n) for n in subnets]


def render(
    template: dict[str, Any],
    chosen: dict[str, Any],
    pseudo: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The template as AWS deploys it for the chosen parameter values (defaults
    for the rest): every Fn::If resolved, AWS::NoValue dropped, resources and
    outputs whose condition fails removed, no Conditions. The values become the
    parameters' defaults, so Refs to parameters read them; other functions stay.

    With `pseudo` (AWS::Region, AWS::AccountId, ... for one stack), every other
    function is worked out too, as the stack would hold it (see _Valued)."""
    parameters = template.get("Parameters", {})
    values = parameter_values(template, **chosen)
    conditions = Conditions(template, values | (pseudo or {}))
    resolved = conditions.kept
    if pseudo is not None:
        walk = _Valued(template, conditions)

        def resolved(value: Any) -> Any:
            found = walk.resolve(value)
            return None if found is NO_VALUE else found

    def holds(entry: dict[str, Any]) -> bool:
        return "Condition" not in entry or conditions.holds(entry["Condition"])

    out = {k: v for k, v in template.items() if k != "Conditions"}
    out["Parameters"] = {
        name: spec | {"Default": _default(values[name])}
        for name, spec in parameters.items()
    }
    present = {k for k, r in template["Resources"].items() if holds(r)}
    out["Resources"] = {
        logical: _placed(resolved(resource), present)
        for logical, resource in template["Resources"].items()
        if logical in present
    }
    if "Outputs" in template:
        out["Outputs"] = {
            k: {f: v for f, v in resolved(o).items() if f != "Condition"}
            for k, o in template["Outputs"].items()
            if holds(o)
        }
    return out


def _default(value: Any) -> Any:
    return ",".join(value) if isinstance(value, list) else value


def _placed(resource: dict[str, Any], present: set[str]) -> dict[str, Any]:
    """A present resource without its Condition, depending only on present ones."""
    resource = {k: v for k, v in resource.items() if k != "Condition"}
    after = resource.pop("DependsOn", [])
    after = [a for a in ([after] if isinstance(after, str) else after) if a in present]
    return resource | ({"DependsOn": after} if after else {})


# --- conditions in words (the picture's labels) ------------------------------------


def clauses(condition: Any, conditions: dict[str, Any]) -> list[str]:
    """A condition as parameter clauses joined by "and" (e.g. "NumberOfAZs = 3")."""
    if isinstance(condition, str):
        return clauses(conditions[condition], conditions)
    ((fn, args),) = condition.items()
    if fn == "Condition":
        return clauses(conditions[args], conditions)
    if fn == "Fn::And":
        return [c for a in args for c in clauses(a, conditions)]
    if fn == "Fn::Or":
        parts = [
            " and ".join(clauses(a, conditions)) for a in _or_terms(args, conditions)
        ]
        return ["(" + " or ".join(parts) + ")"]
    if fn == "Fn::Not":
        (inner,) = args
        if "Fn::Not" in inner:
            return clauses(inner["Fn::Not"][0], conditions)
        if "Fn::Equals" in inner:
            return [_equals(inner["Fn::Equals"], negate=True)]
        return ["not (" + " and ".join(clauses(inner, conditions)) + ")"]
    if fn == "Fn::Equals":
        return [_equals(args)]
    raise ValueError(f"cannot describe condition function {fn}")


def _or_terms(args: list[Any], conditions: dict[str, Any]) -> list[Any]:
    """The terms of an Fn::Or, with the terms of Or's inside it (named or not)."""
    terms = []
    for arg in args:
        resolved = arg
        while isinstance(resolved, dict) and "Condition" in resolved:
            resolved = conditions[resolved["Condition"]]
        if isinstance(resolved, dict) and "Fn::Or" in resolved:
            terms += _or_terms(resolved["Fn::Or"], conditions)
        else:
            terms.append(arg)
    return terms


def negated(condition: Any, conditions: dict[str, Any], known: set[str]) -> list[str]:
    """Clauses for a condition being false where the `known` clauses hold: the
    false branch of an Fn::If ("NatGateways ≠ one-per-az")."""
    while isinstance(condition, str) or "Condition" in condition:
        name = condition if isinstance(condition, str) else condition["Condition"]
        condition = conditions[name]
    ((fn, args),) = condition.items()
    if fn == "Fn::Equals":
        return [_equals(args, negate=True)]
    if fn == "Fn::Not":
        return clauses(args[0], conditions)
    if fn == "Fn::And":
        open_terms = [a for a in args if not set(clauses(a, conditions)) <= known]
        if len(open_terms) == 1:
            return negated(open_terms[0], conditions, known)
    return ["not (" + " and ".join(clauses(condition, conditions)) + ")"]


def _first_ref(value: Any) -> str:
    """The first parameter a value refers to."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = _first_ref(item)
            if found:
                return found
    return ""


def _equals(args: list[Any], negate: bool = False) -> str:
    left, right = args
    if isinstance(left, dict) and "Fn::Select" in left:  # one item of a list
        index, source = left["Fn::Select"]
        item = f"{_first_ref(source)} item {int(index) + 1}"
        return f"{item} {'given' if negate else 'empty'}"
    if isinstance(left, dict) and "Fn::Join" in left:
        name = left["Fn::Join"][1]["Ref"]
        return f"{name} {'given' if negate else 'empty'}"
    name = left["Ref"]
    if right == "":
        return f"{name} {'given' if negate else 'empty'}"
    return f"{name} {'≠' if negate else '='} {right}"
