"""CloudFormation's per-stack limits, checked before anything is written."""

from __future__ import annotations

from dataclasses import dataclass

from troposphere import Template

from generator.config import ConfigError, Options

MAX_RESOURCES = 500
MAX_PARAMETERS = 200
MAX_OUTPUTS = 200
MAX_S3_TEMPLATE_BYTES = 1_000_000  # a template body read from S3
MAX_BODY_BYTES = 51_200  # a template body sent in the request


@dataclass(frozen=True)
class Size:
    """What one template counts against the limits."""

    resources: int
    parameters: int
    outputs: int
    yaml_bytes: int

    def over(self) -> list[str]:
        """Which limits this size exceeds, as short phrases."""
        problems = []
        for what, have, limit in (
            ("resources", self.resources, MAX_RESOURCES),
            ("parameters", self.parameters, MAX_PARAMETERS),
            ("outputs", self.outputs, MAX_OUTPUTS),
            ("template bytes", self.yaml_bytes, MAX_S3_TEMPLATE_BYTES),
        ):
            if have > limit:
                problems.append(f"{have} {what} (limit {limit})")
        return problems


def measure(template: Template, yaml_text: str | None = None) -> Size:
    """Count a template's resources, parameters, outputs and YAML bytes."""
    text = yaml_text if yaml_text is not None else template.to_yaml()
    return Size(
        resources=len(template.resources),
        parameters=len(template.parameters),
        outputs=len(template.outputs),
        yaml_bytes=len(text.encode("utf-8")),
    )


def _size_for(developers: int) -> Size:
    from generator.template import build_template

    names = tuple(f"developer-{i}" for i in range(developers))
    return measure(build_template(Options(developers=names)))


def max_developers() -> int:
    """The most developer users one stack holds, from two sample builds."""
    one, two = _size_for(1), _size_for(2)
    best = None
    for base, step, limit in (
        (one.resources, two.resources - one.resources, MAX_RESOURCES),
        (one.outputs, two.outputs - one.outputs, MAX_OUTPUTS),
        (one.yaml_bytes, two.yaml_bytes - one.yaml_bytes + 64, MAX_S3_TEMPLATE_BYTES),
    ):
        if step > 0:
            fits = 1 + (limit - base) // step
            best = fits if best is None else min(best, fits)
    return best if best is not None else 10**6


def _too_many(options: Options, problem: str) -> ConfigError:
    return ConfigError(
        "developers",
        f"{len(options.developers)} developers give {problem}; one stack holds at "
        f"most {max_developers()} developers. Split them over several stacks with "
        "distinct NamePrefix values, or federate through the DeveloperRoleNames "
        "parameter",
    )


def check_limits(
    template: Template, options: Options, yaml_text: str | None = None
) -> Size:
    """Raise ConfigError when the template would not deploy as one stack."""
    size = measure(template, yaml_text)
    problems = size.over()
    if problems:
        raise _too_many(options, ", ".join(problems))
    return size


def build_within_limits(options: Options) -> tuple[Template, str]:
    """Build the template and its YAML, or raise ConfigError past a limit."""
    from generator.template import build_template

    try:
        template = build_template(options)
    except ValueError as exc:  # troposphere stops at 200 outputs or 500 resources
        if "Maximum" not in str(exc):
            raise
        raise _too_many(options, f"more than CloudFormation allows ({exc})") from exc
    text = template.to_yaml()
    check_limits(template, options, text)
    return template, text
