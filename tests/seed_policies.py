"""The four IAM policies of the seed guide, transcribed exactly: the specification.

Keys are the policy names the guide gives; <account-id> and the literal arn:aws:
partition are kept as printed there.
"""

SERVERLESS_ACTIONS = [
    "emr-serverless:CreateApplication",
    "emr-serverless:UpdateApplication",
    "emr-serverless:DeleteApplication",
    "emr-serverless:ListApplications",
    "emr-serverless:GetApplication",
    "emr-serverless:StartApplication",
    "emr-serverless:StopApplication",
    "emr-serverless:StartJobRun",
    "emr-serverless:CancelJobRun",
    "emr-serverless:ListJobRuns",
    "emr-serverless:GetJobRun",
    "emr-serverless:GetDashboardForJobRun",
    "emr-serverless:AccessInteractiveEndpoints",
]
S3_LIST_AND_GET = [
    "s3:ListAllMyBuckets",
    "s3:ListBucket",
    "s3:GetBucketLocation",
    "s3:GetObject",
]
DESCRIBE_NETWORK = [
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
]
ENI_RESOURCES = [
    "arn:aws:ec2:*:*:subnet/*",
    "arn:aws:ec2:*:*:security-group/*",
    "arn:aws:ec2:*:*:network-interface/*",
]
WORKSPACE_ACTIONS = [
    "elasticmapreduce:CreateEditor",
    "elasticmapreduce:DescribeEditor",
    "elasticmapreduce:ListEditors",
    "elasticmapreduce:UpdateStudio",
    "elasticmapreduce:StartEditor",
    "elasticmapreduce:StopEditor",
    "elasticmapreduce:DeleteEditor",
    "elasticmapreduce:OpenEditorInConsole",
    "elasticmapreduce:AttachEditor",
    "elasticmapreduce:DetachEditor",
]

SEED = {
    "emr-serverless-s3-runtime-policy": [
        {
            "Sid": "ReadAccessForEMRSamples",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [
                "arn:aws:s3:::*.elasticmapreduce",
                "arn:aws:s3:::*.elasticmapreduce/*",
            ],
        },
        {
            "Sid": "FullAccessToS3Bucket",
            "Effect": "Allow",
            "Action": [
                "s3:PutObject",
                "s3:GetObject",
                "s3:ListBucket",
                "s3:DeleteObject",
            ],
            "Resource": [
                "arn:aws:s3:::emrserverless-interactive-blog-<account-id>*",
                "arn:aws:s3:::athena-examples-us-east-1",
                "arn:aws:s3:::athena-examples-us-east-1/*",
            ],
        },
        {
            "Sid": "GlueCreateAndReadDataCatalog",
            "Effect": "Allow",
            "Action": [
                "glue:GetDatabase",
                "glue:CreateDatabase",
                "glue:GetDataBases",
                "glue:CreateTable",
                "glue:GetTable",
                "glue:UpdateTable",
                "glue:DeleteTable",
                "glue:GetTables",
                "glue:GetPartition",
                "glue:GetPartitions",
                "glue:CreatePartition",
                "glue:BatchCreatePartition",
                "glue:GetUserDefinedFunctions",
            ],
            "Resource": ["*"],
        },
    ],
    "emr-studio-service-policy": [
        {
            "Sid": "ObjectActions",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
            "Resource": ["arn:aws:s3:::emrserverless-interactive-blog-<account-id>*"],
        },
        {
            "Sid": "BucketActions",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetEncryptionConfiguration"],
            "Resource": ["arn:aws:s3:::emrserverless-interactive-blog-<account-id>*"],
        },
    ],
    "emrs-interactive-app-admin-policy": [
        {
            "Sid": "AllowServerlessActions",
            "Action": SERVERLESS_ACTIONS,
            "Resource": "*",
            "Effect": "Allow",
        },
        {
            "Sid": "AllowStudioandWorkspaceActions",
            "Action": WORKSPACE_ACTIONS
            + [
                "elasticmapreduce:CreateStudio",
                "elasticmapreduce:DescribeStudio",
                "elasticmapreduce:DeleteStudio",
                "elasticmapreduce:ListStudios",
                "elasticmapreduce:CreateStudioPresignedUrl",
            ],
            "Resource": "*",
            "Effect": "Allow",
        },
        {
            "Sid": "AllowPassingRuntimeRoleForRunningEMRServerlessJob",
            "Action": "iam:PassRole",
            "Resource": "arn:aws:iam::*:role/emr-serverless-runtime-role",
            "Effect": "Allow",
        },
        {
            "Sid": "AllowS3ListAndGetPermissions",
            "Action": S3_LIST_AND_GET,
            "Resource": "arn:aws:s3:::*",
            "Effect": "Allow",
        },
        {
            "Sid": "DescribeNetwork",
            "Effect": "Allow",
            "Action": DESCRIBE_NETWORK,
            "Resource": "*",
        },
        {
            "Sid": "ListIAMRoles",
            "Effect": "Allow",
            "Action": ["iam:ListRoles"],
            "Resource": "*",
        },
        {
            "Sid": "AllowPassingServiceRoleForWorkspaceCreation",
            "Action": "iam:PassRole",
            "Resource": "arn:aws:iam::*:role/emr-studio-service-role",
            "Effect": "Allow",
        },
        {
            "Sid": "AllowEC2ENICreationWithEMRServerlessTags",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterface"],
            "Resource": ENI_RESOURCES,
        },
        {
            "Sid": "AllowEMRServerlessServiceLinkedRoleCreation",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": "arn:aws:iam::*:role/aws-service-role/ops.emr-serverless."
            "amazonaws.com/AWSServiceRoleForAmazonEMRServerless",
        },
    ],
    "emrs-interactive-app-dev-policy": [
        {
            "Sid": "AllowServerlessActions",
            "Action": SERVERLESS_ACTIONS,
            "Resource": "*",
            "Effect": "Allow",
        },
        {
            "Sid": "AllowEMRStudioBasicActions",
            "Action": WORKSPACE_ACTIONS
            + ["elasticmapreduce:DescribeStudio", "elasticmapreduce:ListStudios"],
            "Resource": "*",
            "Effect": "Allow",
        },
        {
            "Sid": "AllowPassingRuntimeRoleForRunningEMRServerlessJob",
            "Action": "iam:PassRole",
            "Resource": [
                "arn:aws:iam::*:role/emr-serverless-runtime-role",
                "arn:aws:iam::*:role/emr-studio-service-role",
            ],
            "Effect": "Allow",
        },
        {
            "Sid": "AllowS3ListAndGetPermissions",
            "Action": S3_LIST_AND_GET,
            "Resource": "arn:aws:s3:::*",
            "Effect": "Allow",
        },
        {
            "Sid": "DescribeNetworkforServerlessApplication",
            "Effect": "Allow",
            "Action": DESCRIBE_NETWORK,
            "Resource": "*",
        },
        {
            "Sid": "ListIAMRoles",
            "Effect": "Allow",
            "Action": ["iam:ListRoles"],
            "Resource": "*",
        },
        {
            "Sid": "AllowEC2ENICreationWithEMRServerlessTags",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterface"],
            "Resource": ENI_RESOURCES,
            "Condition": {
                "StringEquals": {
                    "aws:CalledViaLast": "ops.emr-serverless.amazonaws.com"
                }
            },
        },
        {
            "Sid": "AllowCreateStudioPresignedUrl",
            "Action": ["elasticmapreduce:CreateStudioPresignedUrl"],
            "Resource": "arn:aws:elasticmapreduce:us-west-2:<account-id>:studio/*",
            "Effect": "Allow",
        },
    ],
}
