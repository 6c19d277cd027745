"""A Mermaid diagram of the template's resources, generated from the template itself."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.template import composer
from generator.template.intrinsics import Context, clauses, mentions, negated

ARCHITECTURE_MD = "ARCHITECTURE.md"
ARCHITECTURE_SVG = "ARCHITECTURE.svg"


def edges(template: dict[str, Any]) -> list[tuple[str, str]]:
    """(from, to) pairs: a resource and each resource it refers to or depends on."""
    return sorted(conditional_edges(template))


def _branch_references(
    value: Any, resources: set[str], context: Context = ()
) -> set[tuple[str, Context]]:
    """The resources a value refers to, each with the Fn::If branches around it."""
    return {(n, c) for n, c in mentions(value, context) if n in resources}


def conditional_edges(template: dict[str, Any]) -> dict[tuple[str, str], list[Context]]:
    """Each (from, to) pair with the conditions under which the reference exists:
    the referring resource's own Condition and the Fn::If branches around it."""
    resources = template["Resources"]
    names = set(resources)
    found: dict[tuple[str, str], list[Context]] = {}
    for logical, res in resources.items():
        own: Context = ((res["Condition"], True),) if "Condition" in res else ()
        targets = {
            (t, own + context)
            for t, context in _branch_references(res.get("Properties", {}), names)
        }
        depends = res.get("DependsOn", [])
        targets |= {
            (t, own) for t in ([depends] if isinstance(depends, str) else depends)
        }
        for target, context in sorted(targets):
            if target != logical:
                found.setdefault((logical, target), []).append(context)
    return found


# Mermaid's default limits (mermaid.js config: maxEdges, maxTextSize).
MERMAID_MAX_EDGES = 500
MERMAID_MAX_TEXT = 50_000

GROUPS = {
    "people": "People and credentials",
    "roles": "IAM roles",
    "network": "Network",
    "storage": "Storage",
    "emr": "EMR Studio and the application",
    "keys": "Encryption",
}
PER_USER_TYPES = (
    "AWS::IAM::User",
    "AWS::IAM::Group",
    "AWS::IAM::UserToGroupAddition",
    "AWS::SecretsManager::Secret",
    "Custom::ConsoleCredentials",
)


@dataclass(frozen=True)
class Box:
    """One node of the picture: the resources it stands for, in one group."""

    key: str
    group: str
    label: str
    members: tuple[str, ...]


# What an arrow between two kinds of box means; other references are not drawn.
RELATIONS: dict[tuple[str, str], str] = {
    ("people", "policies"): "granted",
    ("people", "function"): "passwords from",
    ("policies", "bucket"): "read and write",
    ("policies", "application"): "use",
    ("policies", "runtime"): "pass",
    ("policies", "studio"): "use",
    ("runtime", "bucket"): "reads and writes",
    ("studiorole", "bucket"): "reads and writes",
    ("studio", "studiorole"): "assumes",
    ("studio", "userrole"): "assumes for its users",
    ("mappings", "studio"): "open",
    ("mappings", "policies"): "granted",
    ("userrole", "policies"): "holds",
    ("studio", "private"): "runs in",
    ("application", "private"): "runs in",
    ("application", "runtime"): "jobs assume",
    ("function", "functionrole"): "runs as",
    ("flowlogs", "flowlogrole"): "delivers as",
    ("flowlogs", "vpc"): "records",
    ("endpoints", "private"): "in",
    ("kmsendpoint", "private"): "in",
    ("private", "nat"): "internet through",
    ("private", "s3endpoint"): "S3 through",
    ("nat", "public"): "in",
    ("guards", "application"): "stops",
    ("guards", "function"): "handled by",
    ("cleanup", "studio"): "removes leftover interfaces of",
    ("cleanup", "application"): "removes leftover interfaces of",
    ("cleanup", "function"): "handled by",
    ("public", "igw"): "internet through",
    ("key", "bucket"): "encrypts",
    ("key", "people"): "encrypts",
    ("key", "studio"): "encrypts",
    ("key", "flowlogs"): "encrypts",
}
TRUSTED_BY = {"emr-serverless.amazonaws.com": "application"}


def _kind(key: str) -> str:
    return key.rstrip("0123456789")


def boxes(template: dict[str, Any]) -> list[Box]:
    """Every resource in exactly one box; per-user resources in one box."""
    resources = template["Resources"]
    left = dict(resources)
    found: list[Box] = []
    users = [k for k, r in resources.items() if r["Type"] == "AWS::IAM::User"]
    people = tuple(k for k, r in resources.items() if r["Type"] in PER_USER_TYPES)
    if people:
        developers = max(len(users) - 1, 0)
        label = (
            f"admin + {developers} developer{'s' * (developers != 1)}:<br/>user, "
            "group membership, secret, credentials"
        )
        found.append(Box("people", "people", label, people))
        for k in people:
            left.pop(k)
    for drawn in (d for module in composer.MODULES for d in module.DRAWN):
        for az in range(1, 4) if "{i}" in drawn.key else [0]:
            members = tuple(
                n.format(i=az) for n in drawn.members if n.format(i=az) in left
            )
            if members:
                for k in members:
                    left.pop(k)
                key, label = drawn.key.format(i=az), drawn.label.format(i=az)
                found.append(Box(key, drawn.group, label, members))
    if left:
        raise UndrawnError(
            "no box is declared for "
            + ", ".join(f"{k} ({r['Type']})" for k, r in left.items())
            + ": add it to the DRAWN of the module that adds it "
            "(generator/template/placement.py)"
        )
    return found


class UndrawnError(ValueError):
    """A resource no module's DRAWN places in a box."""


def _box_clauses(box: Box, template: dict[str, Any]) -> list[str]:
    """The clauses every member of the box exists under (empty: always there)."""
    conditions = template.get("Conditions", {})
    named = [template["Resources"][m].get("Condition") for m in box.members]
    if any(c is None for c in named):
        return []
    sets = [clauses(c, conditions) for c in named]
    return [c for c in sets[0] if all(c in other for other in sets[1:])]


@dataclass(frozen=True)
class Node:
    """A box as drawn: its label lines and, when a parameter can remove it, the
    condition it exists under beyond its group's."""

    key: str
    lines: tuple[str, ...]
    when: str


@dataclass(frozen=True)
class Group:
    """A concern: its title, the condition all its boxes share, and its boxes."""

    key: str
    title: str
    when: str
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Picture:
    """What both writers draw: grouped boxes and labelled arrows."""

    groups: tuple[Group, ...]
    arrows: tuple[tuple[str, str, str, str], ...]  # from, to, relation, when


def picture(template: dict[str, Any]) -> Picture:
    """The picture: boxes grouped by concern, dashed (with their condition) when a
    parameter can remove them, arrows for the relations a reader cares about,
    dashed (with their condition) when they hold only for some values."""
    found = boxes(template)
    owner = {m: b for b in found for m in b.members}
    held = {box.key: _box_clauses(box, template) for box in found}
    groups = []
    for group, title in GROUPS.items():
        members = [b for b in found if b.group == group]
        if not members:
            continue
        each = [held[box.key] for box in members]
        shared = [c for c in each[0] if all(c in other for other in each[1:])]
        if len(members) < 2:
            shared = []  # a lone box says its own condition
        nodes = tuple(
            Node(
                box.key,
                tuple(box.label.split("<br/>")),
                " and ".join(c for c in held[box.key] if c not in shared),
            )
            for box in members
        )
        groups.append(Group(group, title, " and ".join(shared), nodes))
    arrows: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for (source, target), contexts in conditional_edges(template).items():
        a, b = owner[source], owner[target]
        relation = RELATIONS.get((_kind(a.key), _kind(b.key))) or RELATIONS.get(
            (_kind(b.key), _kind(a.key))
        )
        if a.key == b.key or relation is None:
            continue
        pair = (a.key, b.key)
        if (_kind(a.key), _kind(b.key)) not in RELATIONS:
            pair = (b.key, a.key)
        known = set(held[a.key]) | set(held[b.key])
        whens = [_when(context, template, known) for context in contexts]
        kept = arrows.setdefault(pair, (relation, []))[1]
        kept += whens
    for pair, relation in _trusts(template, owner).items():
        arrows.setdefault(pair, (relation, [""]))
    return Picture(
        tuple(groups),
        tuple(
            (a, b, label, "" if "" in whens else _any_of(whens))
            for (a, b), (label, whens) in sorted(arrows.items())
        ),
    )


ITEM_GIVEN = re.compile(r"(\w+) item \d+ given")


def _any_of(whens: list[str]) -> str:
    """Conditions joined by "or", each in parentheses when it has an "and"; places
    of lists ("A item 1 given or A item 2 given or B item 1 given") read as one
    short clause ("A or B names someone")."""
    distinct = sorted(set(whens))
    if len(distinct) == 1:
        return distinct[0]
    places = [ITEM_GIVEN.fullmatch(w) for w in distinct]
    if all(places):
        lists = list(dict.fromkeys(m[1] for m in places if m))
        common = os.path.commonprefix(lists)
        if len(lists) > 2 and common:
            article = "an" if common[0].lower() in "aeiou" else "a"
            return f"{article} {common}* list names someone"
        return " or ".join(lists) + " names someone"
    return " or ".join(f"({w})" if " and " in w else w for w in distinct)


def _when(context: Context, template: dict[str, Any], known: set[str]) -> str:
    """The clauses a reference's context adds to what its two boxes already say."""
    conditions = template.get("Conditions", {})
    holding = set(known)
    for name, holds in context:
        if holds:
            holding |= set(clauses(name, conditions))
    found: list[str] = []
    for name, holds in context:
        if holds:
            found += clauses(name, conditions)
        else:
            found += negated(name, conditions, holding)
    said = [
        c for c in dict.fromkeys(found) if not _implied(c, known | set(found) - {c})
    ]
    return " and ".join(said)


def _implied(clause: str, known: set[str]) -> bool:
    """Whether the known clauses say the clause: itself, or "P = a" for "P ≠ b"."""
    if clause in known:
        return True
    unequal = re.fullmatch(r"(\w+) ≠ ([^\s()]+)", clause)
    if unequal is None:
        return False
    name, value = unequal.groups()
    return any(
        (equal := re.fullmatch(rf"{name} = ([^\s()]+)", k)) and equal[1] != value
        for k in known
    )


def _quoted(text: str) -> str:
    """Text for inside a Mermaid "..." label: its quotes as Mermaid's entity."""
    return text.replace('"', "#quot;")


def mermaid(template: dict[str, Any] | Picture) -> str:
    """The picture (of a template) as a Mermaid flowchart."""
    drawn = template if isinstance(template, Picture) else picture(template)
    lines = ["flowchart LR"]
    for group in drawn.groups:
        title = group.title
        if group.when:
            title += f"<br/><i>when {group.when}</i>"
        lines.append(f'  subgraph {group.key}_group["{_quoted(title)}"]')
        for node in group.nodes:
            label = "<br/>".join(node.lines)
            if node.when:
                label += f"<br/><i>when {node.when}</i>"
            lines.append(f'    {node.key}["{_quoted(label)}"]')
        lines.append("  end")
    for a, b, label, when in drawn.arrows:
        if when:
            lines.append(f'  {a} -.->|"{_quoted(f"{label}, when {when}")}"| {b}')
        else:
            lines.append(f"  {a} -->|{label}| {b}")
    dashed = [n.key for g in drawn.groups for n in g.nodes if n.when]
    if dashed:
        lines.append("  classDef conditional stroke-dasharray: 5 5")
        lines.append(f"  class {','.join(dashed)} conditional")
    lines += [
        f"  style {g.key}_group stroke-dasharray: 5 5" for g in drawn.groups if g.when
    ]
    return "\n".join(lines)


def _trusts(template: dict[str, Any], owner: dict[str, Box]) -> dict:
    """Who assumes a role that no resource names: a service in its trust policy."""
    found = {}
    keys = {b.key for b in owner.values()}
    for logical, res in template["Resources"].items():
        if res["Type"] != "AWS::IAM::Role":
            continue
        trust = res["Properties"]["AssumeRolePolicyDocument"]
        for statement in trust["Statement"]:
            services = statement.get("Principal", {}).get("Service", [])
            for service in [services] if isinstance(services, str) else services:
                who = TRUSTED_BY.get(service)
                if who in keys:
                    found[(who, owner[logical].key)] = RELATIONS[
                        (who, _kind(owner[logical].key))
                    ]
    return found


# The picture as Graphviz draws it: one tint per concern, arrows in grey.
TINTS = {
    "people": "#fdf3e7",
    "roles": "#f3ecfa",
    "network": "#eaf3fb",
    "storage": "#eaf7ee",
    "emr": "#fdeeee",
    "keys": "#f4f4f4",
}
LABEL_WIDTH = 40  # characters per line of a condition
NBSP = "\xa0"
DOT_HEAD = [
    "digraph environment {",
    '  graph [rankdir=LR, newrank=true, fontname="Helvetica", fontsize=13, '
    "nodesep=0.25, ranksep=0.7, pad=0.3];",
    '  node [shape=box, style="rounded,filled", fillcolor=white, '
    'fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9, color="#666666", '
    'fontcolor="#444444"];',
]


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _html_label(lines: Sequence[str], when: str) -> str:
    """A Graphviz HTML label; the condition in italics, wrapped to LABEL_WIDTH."""
    parts = [_html(line) for line in lines]
    if when:
        import textwrap

        # A clause ("NumberOfAZs = 3") stays on one line: no-break spaces.
        text = f"when {when}"
        for joint in (" = ", " ≠ ", " empty", " given"):
            text = text.replace(joint, joint.replace(" ", NBSP))
        wrapped = textwrap.wrap(text, LABEL_WIDTH, break_on_hyphens=False)
        parts += [f"<I>{_html(line.replace(NBSP, ' '))}</I>" for line in wrapped]
    return "<" + "<BR/>".join(parts) + ">"


def dot(template: dict[str, Any] | Picture) -> str:
    """The picture as Graphviz DOT source: clusters for the groups, dashed boxes
    and clusters for what a parameter can remove."""
    drawn = template if isinstance(template, Picture) else picture(template)
    lines = list(DOT_HEAD)
    for group in drawn.groups:
        style = "rounded,filled" + (",dashed" if group.when else "")
        lines.append(f"  subgraph cluster_{group.key} {{")
        lines.append(
            f"    graph [label={_html_label([group.title], group.when)}, "
            f'style="{style}", fillcolor="{TINTS.get(group.key, "#ffffff")}", '
            'color="#999999"];'
        )
        for node in group.nodes:
            style = "rounded,filled" + (",dashed" if node.when else "")
            lines.append(
                f'    "{node.key}" [label={_html_label(node.lines, node.when)}, '
                f'style="{style}"];'
            )
        lines.append("  }")
    for a, b, label, when in drawn.arrows:
        if when:
            text = _html_label([label], when)
            lines.append(f'  "{a}" -> "{b}" [label={text}, style=dashed];')
        else:
            lines.append(f'  "{a}" -> "{b}" [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


class PictureError(RuntimeError):
    """The SVG picture cannot be drawn here."""


# An SVG of ours carries the DOT source it was drawn from (SVG metadata, so anyone
# can redraw it) and, in a comment, a checksum of everything else, so that a
# drawing cut short or edited by hand is not taken for the picture of its source.
SVG_MARK = (
    "<!-- emrs-env: drawn by Graphviz from the DOT source in its metadata "
    "(crc32 {crc:08x} of the rest) -->\n"
)
SVG_MARK_RE = re.compile(
    r"<!-- emrs-env: drawn by Graphviz from the DOT source in its metadata "
    r"\(crc32 ([0-9a-f]{8}) of the rest\) -->\n"
)
SOURCE_ID = "emrs-env-dot-source"
SOURCE_RE = re.compile(rf'<metadata id="{SOURCE_ID}">(.*?)</metadata>', re.DOTALL)


def marked(drawing: str, dot_text: str) -> str:
    """Graphviz's SVG with its DOT source and the checksum comment."""
    import zlib

    head, svg_tag, body = drawing.partition("<svg")
    opened = body.index(">") + 1
    source = f'\n<metadata id="{SOURCE_ID}">{_html(dot_text)}</metadata>'
    rest = f"{head}{svg_tag}{body[:opened]}{source}{body[opened:]}"
    mark = SVG_MARK.format(crc=zlib.crc32(rest.encode("utf-8")))
    return f"{head}{mark}{svg_tag}{body[:opened]}{source}{body[opened:]}"


def drawn_from(svg_text: str) -> str | None:
    """The DOT source of an intact SVG of ours, or None for any other file, one
    cut short, or one edited since it was drawn."""
    import zlib

    found = SVG_MARK_RE.search(svg_text)
    if found is None:
        return None
    rest = svg_text[: found.start()] + svg_text[found.end() :]
    if f"{zlib.crc32(rest.encode('utf-8')):08x}" != found[1]:
        return None
    source = SOURCE_RE.search(rest)
    if source is None:
        return None
    text = source[1].replace("&lt;", "<").replace("&gt;", ">")
    return text.replace("&amp;", "&")


def svg(dot_text: str, previous: str | None = None) -> str:
    """The DOT source drawn as SVG by Graphviz (pygraphviz's bundled copy).

    Graphviz measures text with the fonts of the machine, so two machines can
    place boxes a few points apart: an intact previous drawing of the same source
    is kept as it is, and `make template` redraws only when the picture changes.
    """
    if previous is not None and drawn_from(previous) == dot_text:
        return previous
    try:
        import pygraphviz
    except ImportError as exc:
        raise PictureError(
            f"pygraphviz is needed to draw {ARCHITECTURE_SVG}: run 'make template' "
            "(or pip install 'emrs-env[diagram]')"
        ) from exc
    try:
        graph = pygraphviz.AGraph(string=dot_text)
        drawn = _without_font_warnings(lambda: graph.draw(format="svg", prog="dot"))
    except ValueError as exc:  # pygraphviz's DotError is one
        said = str(exc).strip().splitlines() or [type(exc).__name__]
        raise PictureError(
            f"Graphviz could not draw {ARCHITECTURE_SVG}: {said[0]}"
        ) from exc
    return marked(drawn.decode("utf-8"), dot_text)


def _without_font_warnings(draw: Callable[[], bytes]) -> bytes:
    """Run draw() with the C libraries' standard error caught: the Fontconfig
    bundled with pygraphviz warns about newer system font configuration it does
    not know, which changes nothing in the picture; anything else is passed on."""
    import os
    import sys
    import tempfile

    if sys.stderr is not None:
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no standard error to catch (closed): nothing to pass on
        return draw()
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            return draw()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            for line in caught.read().decode("utf-8", "replace").splitlines():
                shown = line.strip() and not line.startswith("Fontconfig warning")
                if shown and sys.stderr is not None:
                    print(line, file=sys.stderr)


def _previous(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def pictures(template: dict[str, Any], folder: Path | None = None) -> dict[str, str]:
    """ARCHITECTURE.md and ARCHITECTURE.svg; the SVG already in `folder` is kept
    when it was drawn from the same source."""
    previous = None if folder is None else _previous(folder / ARCHITECTURE_SVG)
    drawn = picture(template)
    return {
        ARCHITECTURE_MD: architecture_markdown(template, drawn),
        ARCHITECTURE_SVG: svg(dot(drawn), previous),
    }


def architecture_markdown(
    template: dict[str, Any], drawn: Picture | None = None
) -> str:
    """build/ARCHITECTURE.md: the diagram with a short legend."""
    count = len(template["Resources"])
    return "\n".join(
        [
            "# Architecture of the environment",
            "",
            "Generated from `emr-serverless-interactive.yaml` by `make template` "
            "(or `emrs-env diagram`); do not edit. The template's "
            f"{count} resources drawn as an architect would: grouped by concern, the "
            "people's per-user resources in one box whatever their number, and an "
            "arrow for who assumes which role, what reads the bucket, what runs in "
            "which subnets and what the key encrypts. A dashed box, group or arrow "
            "exists only under the parameter values written on it (see "
            "PARAMETERS.md). The "
            "same picture drawn by Graphviz: "
            f"[{ARCHITECTURE_SVG}]({ARCHITECTURE_SVG}).",
            "",
            "```mermaid",
            mermaid(drawn or template),
            "```",
            "",
        ]
    )
