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


def parameter_values(template: dict[str, Any], **chosen: str) -> dict[str, Any]:
    """Every parameter's default, with the chosen values over them."""
    values = {k: v.get("Default", "") for k, v in template["Parameters"].items()}
    return values | chosen


class Conditions:
    """Evaluates a template's Conditions for some parameter values."""

    def __init__(self, template: dict[str, Any], values: dict[str, Any]) -> None:
        self.template, self.values = template, values

    def value(self, expr: Any) -> Any:
        """A Ref, Fn::Join, Fn::Split, Fn::Select or literal used inside a
        condition (a list's items each worked out)."""
        if isinstance(expr, list):
            return [self.value(e) for e in expr]
        if isinstance(expr, dict) and "Ref" in expr:
            value = self.values[expr["Ref"]]
            spec = self.template["Parameters"][expr["Ref"]]
            if spec["Type"] == "CommaDelimitedList" and isinstance(value, str):
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
        if isinstance(condition, str):
            return self.holds(self.template["Conditions"][condition])
        ((fn, args),) = condition.items()
        if fn == "Condition":
            return self.holds(args)
        if fn == "Fn::And":
            return all(self.holds(a) for a in args)
        if fn == "Fn::Or":
            return any(self.holds(a) for a in args)
        if fn == "Fn::Not":
            return not self.holds(args[0])
        if fn == "Fn::Equals":
            left, right = (str(self.value(a)) for a in args)
            return left == right
        raise ValueError(f"cannot evaluate condition function {fn}")

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
        """A property value with each Fn::If resolved and AWS::NoValue dropped."""
        if isinstance(value, list):
            items = [self.kept(v) for v in value]
            return [v for v in items if v is not None]
        if isinstance(value, dict) and "Fn::If" in value:
            name, yes, no = value["Fn::If"]
            return self.kept(yes if self.holds(name) else no)
        if value == {"Ref": "AWS::NoValue"}:
            return None
        return value


def render(template: dict[str, Any], chosen: dict[str, Any]) -> dict[str, Any]:
    """The template as AWS deploys it for the chosen parameter values (defaults
    for the rest): every Fn::If resolved, AWS::NoValue dropped, resources and
    outputs whose condition fails removed, no Conditions. The values become the
    parameters' defaults, so Refs to parameters read them; other functions stay."""
    parameters = template.get("Parameters", {})
    values = {k: v.get("Default", "") for k, v in parameters.items()} | chosen
    conditions = Conditions(template, values)
    gone = object()

    def resolved(value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in map(resolved, value) if v is not gone]
        if not isinstance(value, dict):
            return value
        if value == {"Ref": "AWS::NoValue"}:
            return gone
        if len(value) == 1 and "Fn::If" in value:
            name, yes, no = value["Fn::If"]
            return resolved(yes if conditions.holds(name) else no)
        kept = {k: resolved(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not gone}

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
