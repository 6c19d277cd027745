"""The only composer: options in, the environment template out."""

from __future__ import annotations

import json
import re
from functools import cache

from troposphere import Ref, Template

from generator.template import (
    application,
    cost,
    dashboard,
    encryption,
    function,
    identity,
    identity_center,
    lifecycle,
    limits,
    names,
    network,
    storage,
    studio,
)
from generator.template.application import add_application, add_application_group
from generator.template.conditions import add_conditions, add_rules
from generator.template.config import USER_NAME_MAX, ConfigError, Options
from generator.template.cost import add_budget
from generator.template.dashboard import add_dashboard
from generator.template.encryption import add_key, allow_studio
from generator.template.function import (
    SERVICE_TIMEOUT_SECONDS,
    add_credentials,
    add_function,
    add_secrets,
    admin_reads_developer_secrets,
)
from generator.template.identity import add_identity, add_permissions_boundary
from generator.template.identity_center import add_identity_center, add_user_role
from generator.template.lifecycle import add_lifecycle
from generator.template.network import (
    add_default_group_lockdown,
    add_network,
    add_private_endpoints,
    default_group_arn,
    vpc_arn,
)
from generator.template.outputs import (
    add_core_outputs,
    add_credentials_outputs,
    add_dashboard_output,
    add_emr_outputs,
    add_next_steps,
)
from generator.template.parameters import add_parameters
from generator.template.policies import global_arn
from generator.template.storage import add_storage, bucket_name
from generator.template.studio import add_studio, add_studio_network_policy

# The modules that add resources, each declaring where they belong (DRAWN and
# REPLACED, generator.template.placement), in the order the picture lists their
# boxes within a group.
MODULES = (
    identity,
    function,
    network,
    identity_center,
    cost,
    dashboard,
    storage,
    studio,
    application,
    lifecycle,
    encryption,
)


def build_template(options: Options | None = None) -> Template:
    """Build the whole environment template for these options."""
    options = options or Options()
    template = Template(Description=names.TEMPLATE_DESCRIPTION)
    template.set_version("2010-09-09")
    add_parameters(template)
    add_conditions(template)
    add_rules(template)
    key = add_key(template)
    key_arn = key.get_att("Arn")
    bucket = add_storage(template, key_arn)
    network = add_network(template, key_arn)
    users = [options.admin_user, *options.developers]
    secrets = add_secrets(template, users, list(options.developers), key_arn)
    identity = add_identity(
        template,
        options,
        bucket.get_att("Arn"),
        key_arn,
        admin_extra=[admin_reads_developer_secrets()],
    )
    function = add_function(template, key_arn, default_group_arn(), vpc_arn(network))
    add_credentials(template, identity.users, secrets, function)
    add_default_group_lockdown(
        template, function.get_att("Arn"), SERVICE_TIMEOUT_SECONDS
    )
    add_studio_network_policy(template, identity.studio_role)
    allow_studio(
        key, identity.studio_role.get_att("Arn"), global_arn("s3", bucket_name())
    )
    user_role = add_user_role(
        template, identity.admin_policy, identity.developer_policy
    )
    studio = add_studio(
        template,
        network,
        Ref(bucket),
        identity.studio_role,
        key_arn,
        user_role.get_att("Arn"),
    )
    add_identity_center(
        template, studio, identity.admin_policy, identity.developer_policy
    )
    application_group = add_application_group(template, network)
    application = add_application(template, network, Ref(bucket), application_group)
    add_lifecycle(
        template, function.get_att("Arn"), network, bucket, studio, application
    )
    add_private_endpoints(template, Ref(application_group))
    add_budget(template, function.get_att("Arn"))
    add_dashboard(template)
    add_dashboard_output(template)
    add_core_outputs(template, bucket, network, identity)
    add_credentials_outputs(template, secrets)
    add_emr_outputs(template, studio, application, user_role)
    add_next_steps(template, secrets, studio, identity)
    add_permissions_boundary(template)
    return template


def _sample(developers: int) -> dict:
    names_ = tuple(f"{i:0{USER_NAME_MAX}d}" for i in range(developers))
    return build_template(Options(developers=names_)).to_dict()


@cache
def max_developers() -> int:
    """The most developers one stack holds: what each adds, against every quota.

    Two sample builds (one and two developers with the longest user names) give
    what one developer adds to the resources, outputs, template size and each IAM
    measure; the smallest headroom decides.
    """
    one, two = _sample(1), _sample(2)
    pairs = [
        (len(one["Resources"]), len(two["Resources"]), limits.MAX_RESOURCES),
        (len(one["Outputs"]), len(two["Outputs"]), limits.MAX_OUTPUTS),
        (
            len(json.dumps(one, indent=1)),
            len(json.dumps(two, indent=1)),
            limits.MAX_S3_TEMPLATE_BYTES,
        ),
    ]
    iam_one = {m.what: m for m in limits.iam_measures(one)}
    iam_two = {m.what: m for m in limits.iam_measures(two)}
    pairs += [
        (iam_one[what].value, m.value, m.limit)
        for what, m in iam_two.items()
        if what in iam_one
    ]
    counts = [limits.fits(1, base, after - base, limit) for base, after, limit in pairs]
    return min(c for c in counts if c is not None)


def _too_many(options: Options, problem: str) -> ConfigError:
    return ConfigError(
        "developers",
        f"{len(options.developers)} developers are too many: {problem}. One stack "
        f"holds at most {max_developers()} developers; split them over several "
        "stacks with "
        "distinct NamePrefix values, or federate through the DeveloperRoleNames "
        "parameter",
    )


def build_within_limits(options: Options) -> tuple[Template, dict, str]:
    """Build the template, its dict and YAML, or raise ConfigError past a quota.

    The quotas are checked on the template's dict and the one YAML dump that is
    written; max_developers() (two more sample builds) runs only to word a refusal.
    Each developer adds at least one resource, so a count past the resource quota
    is refused before anything is built; troposphere refuses a template past its
    count quotas while building it.
    """
    from generator.template.render import to_yaml

    if len(options.developers) > limits.MAX_RESOURCES:
        raise _too_many(options, "more than CloudFormation and IAM quotas allow")
    try:
        template = build_template(options)
    except ValueError as exc:  # troposphere's own count quotas, e.g. outputs
        if not str(exc).startswith("Maximum"):
            raise
        found = re.fullmatch(r"Maximum (?:number of )?(\w+) (\d+) reached", str(exc))
        raise _too_many(
            options,
            (
                f"more than {found[2]} {found[1]}, CloudFormation's limit"
                if found
                else str(exc)
            ),
        ) from exc
    as_dict = template.to_dict()
    text = to_yaml(as_dict)
    problems = limits.problems(as_dict, len(text.encode("utf-8")))
    if problems:
        raise _too_many(options, ", ".join(problems))
    return template, as_dict, text
