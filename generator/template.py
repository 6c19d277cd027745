"""The only composer: options in, the environment template out."""

from __future__ import annotations

from troposphere import Ref, Template

from generator import names
from generator.application import add_application, add_application_group
from generator.conditions import add_conditions, add_rules
from generator.config import Options
from generator.credentials import (
    SERVICE_TIMEOUT_SECONDS,
    add_credentials,
    add_function,
    add_secrets,
    admin_reads_developer_secrets,
)
from generator.encryption import add_key, allow_studio
from generator.identity import add_identity
from generator.network import (
    add_default_group_lockdown,
    add_network,
    add_private_endpoints,
    default_group_arn,
)
from generator.outputs import (
    add_core_outputs,
    add_credentials_outputs,
    add_emr_outputs,
)
from generator.parameters import add_parameters
from generator.policies import global_arn
from generator.storage import add_storage, bucket_name
from generator.studio import add_studio, add_studio_network_policy


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
    function = add_function(template, key_arn, default_group_arn())
    add_credentials(template, identity.users, secrets, function)
    add_default_group_lockdown(
        template, function.get_att("Arn"), SERVICE_TIMEOUT_SECONDS
    )
    add_studio_network_policy(template, identity.studio_role)
    allow_studio(
        key, identity.studio_role.get_att("Arn"), global_arn("s3", bucket_name())
    )
    studio = add_studio(template, network, Ref(bucket), identity.studio_role, key_arn)
    application_group = add_application_group(template, network)
    application = add_application(template, network, Ref(bucket), application_group)
    add_private_endpoints(template, Ref(application_group))
    add_core_outputs(template, bucket, network, identity)
    add_credentials_outputs(template, identity, secrets)
    add_emr_outputs(template, studio, application)
    return template
