"""The one reader of built templates' intrinsic functions: what a value refers to
(with the Fn::If branches around it) and which conditions hold for some parameter
values. The import template, the pictures and the cost all read templates
through it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

Context = tuple[tuple[str, bool], ...]  # (condition, holds) of each Fn::If branch
SUB_TOKEN = re.compile(r"\$\{([^}!][^}]*)\}")  # ${Name} or ${Name.Attr}; not ${!x}


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
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not None]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((fn, arg),) = value.items()
            if fn == "Ref" and arg == "AWS::NoValue":
                return None
            if fn == "Ref" and arg in self.values:
                return self.value(value)
            if fn == "Fn::If":
                name, yes, no = arg
                return self.resolve(yes if self.holds(name) else no)
            if fn == "Fn::Join":
                glue, parts = arg
                return glue.join(str(p) for p in self.resolve(parts))
            if fn == "Fn::Sub" and isinstance(arg, str):
                return SUB_TOKEN.sub(
                    lambda m: str(self.values.get(m[1], m[0])), arg
                )  # pseudo parameters stay as written
        return {k: self.resolve(v) for k, v in value.items()}

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


def render(template: dict[str, Any], chosen: dict[str, Any]) -> dict[str, Any]:
    """The template as AWS deploys it for the chosen parameter values (defaults
    for the rest): every Fn::If resolved, AWS::NoValue dropped, resources and
    outputs whose condition fails removed, no Conditions. The values become the
    parameters' defaults, so Refs to parameters read them; other functions stay."""
    parameters = template.get("Parameters", {})
    values = parameter_values(template, **chosen)
    conditions = Conditions(template, values)
    resolved = conditions.kept

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
