"""The cost guard: a monthly AWS Budgets cost budget of this stack's resources,
made by the stack's function (Custom::CostBudget) through the Budgets API:
AWS::Budgets::Budget is unknown to CloudFormation's registry in many regions EMR
Serverless serves (cfn-lint's provider lists), and a template naming an unknown
type is rejected there whatever its condition (template/regions.py).

Modelled on AWS's pages, not observed: CloudFormation tags the resources it makes
with aws:cloudformation:stack-name, an AWS-generated cost allocation tag that
counts only once activated ("AWS-generated cost allocation tags", AWS Billing
User Guide); the first two active budgets of an account are free, each further
one $0.02 a day ("Managing your costs with AWS Budgets", AWS Billing User Guide).
"""

from __future__ import annotations

from troposphere import AWSHelperFn, Ref, Template
from troposphere.cloudformation import CustomResource
from troposphere.validators import integer

from generator.template.function import SERVICE_TIMEOUT_SECONDS
from generator.template.names import C, P, R
from generator.template.placement import Drawn

# Boxes of the architecture picture (generator.template.placement).
DRAWN = (
    Drawn("budget", "storage", "Monthly cost budget<br/>(e-mail alerts)",
          (R.BUDGET,)),
)  # fmt: skip
REPLACED: dict[str, str] = {}


class CostBudget(CustomResource):
    """Custom::CostBudget: the stack's monthly cost budget and its alerts."""

    resource_type = "Custom::CostBudget"
    props = {
        "ServiceToken": (str, True),
        "ServiceTimeout": (integer, False),
        "MonthlyUsd": (object, True),
        "Email": (object, True),
    }


def add_budget(template: Template, service_token: AWSHelperFn) -> CostBudget:
    """The budget, when Monthly budget (USD) is above 0; after the change guard,
    in the custom resources' one chain."""
    return template.add_resource(
        CostBudget(
            R.BUDGET,
            Condition=C.HAS_BUDGET,
            DependsOn=[R.FUNCTION_INVOKE_CONFIG, R.CHANGE_GUARD],
            ServiceToken=service_token,
            ServiceTimeout=SERVICE_TIMEOUT_SECONDS,
            MonthlyUsd=Ref(P.MONTHLY_BUDGET),
            Email=Ref(P.BUDGET_EMAIL),
        )
    )
