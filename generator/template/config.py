"""Build-time options: which IAM users the template creates.

Everything an administrator chooses per deployment is a template parameter
(generator/template/parameters.py); only what changes the template's shape lives here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from generator.template import names
from generator.template.regions import LONGEST_REGION

# IAM user names allow 64 characters; four are kept for the NamePrefix parameter
# and 15 for the region the RegionalIamNames parameter adds ("ap-southeast-1-").
IAM_USER_NAME_CHARS = 64
USER_NAME_MAX = IAM_USER_NAME_CHARS - 4 - len(LONGEST_REGION) - 1
USER_NAME_RE = re.compile(rf"[A-Za-z0-9+=,.@_-]{{1,{USER_NAME_MAX}}}")
USER_NAME_RULE = f"1-{USER_NAME_MAX} characters from letters, digits and + = , . @ _ -"


class ConfigError(ValueError):
    """A config value that cannot be used; the message names the field."""

    def __init__(self, field_name: str, problem: str) -> None:
        where = (
            field_name
            if field_name.startswith("--")
            else (f"config field '{field_name}'")
        )  # an option names the file itself, not a field in it
        super().__init__(f"{where}: {problem}")
        self.field_name = field_name


@dataclass(frozen=True)
class Options:
    """What shapes the template: the administrator and the developer users."""

    admin_user: str = names.ADMIN_USER
    developers: tuple[str, ...] = field(default=(names.DEV_USER,))

    def __post_init__(self) -> None:
        validate(self)


def _check_user_name(field_name: str, value: Any) -> str:
    if not isinstance(value, str) or not USER_NAME_RE.fullmatch(value):
        raise ConfigError(
            field_name, f"{value!r} is not a valid IAM user name ({USER_NAME_RULE})"
        )
    return value


def validate(options: Options) -> None:
    """Raise ConfigError for the first option that cannot be built."""
    _check_user_name("admin_user", options.admin_user)
    developers = options.developers
    if not isinstance(developers, tuple | list) or not developers:
        raise ConfigError("developers", "must be a non-empty list of IAM user names")
    seen: dict[str, str] = {options.admin_user.lower(): "admin_user"}
    ids: dict[str, str] = {}
    made_by: dict[str, str] = {}  # logical ID -> the developer whose resource it is
    for i, name in enumerate(developers):
        where = f"developers[{i}]"
        _check_user_name(where, name)
        if name.lower() in seen:
            raise ConfigError(
                where, f"{name!r} is already used by {seen[name.lower()]}"
            )
        seen[name.lower()] = where
        logical = names.user_id(name)
        if logical in ids:
            raise ConfigError(
                where,
                f"{name!r} and {ids[logical]} differ only in punctuation; "
                "choose names that differ in letters or digits",
            )
        ids[logical] = where
        for made in names.user_resource_ids(logical):
            _check_logical_id(where, name, made, made_by)
            made_by[made] = f"a resource of {where} ({name!r})"


def _check_logical_id(
    where: str, name: str, logical: str, made_by: dict[str, str]
) -> None:
    """Refuse a logical ID of a developer's resources that is already taken."""
    taken = (
        "another resource or parameter of the template"
        if logical in names.FIXED_IDS
        else made_by.get(logical)
    )
    if taken:
        raise ConfigError(
            where,
            f"{name!r} would give a resource the logical ID {logical}, already "
            f"used by {taken}; choose another name",
        )


ALLOWED_KEYS = tuple(f.name for f in fields(Options))


def load(path: str | Path | None) -> Options:
    """Read a TOML config file; None gives the seed's environment."""
    if path is None:
        return Options()
    import tomllib

    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError("--config", f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError("--config", f"{path} is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("--config", f"{path} is not valid TOML: {exc}") from exc
    return from_mapping(raw)


def from_mapping(raw: dict[str, Any]) -> Options:
    """Build Options from a parsed TOML table, rejecting unknown keys."""
    for key in raw:
        if key not in ALLOWED_KEYS:
            raise ConfigError(
                key, f"unknown key; allowed keys are {', '.join(ALLOWED_KEYS)}"
            )
    values = dict(raw)
    if "developers" in values:
        if not isinstance(values["developers"], list):
            raise ConfigError(
                "developers", "must be a non-empty list of IAM user names"
            )
        values["developers"] = tuple(values["developers"])
    return Options(**values)
