"""`emrs-env publish`: upload the environment template for Service Catalog."""

from __future__ import annotations

from dataclasses import dataclass

from generator.aws.session import Aws, CommandError, error_code
from generator.render import ENVIRONMENT_YAML


@dataclass(frozen=True)
class Published:
    """Where publish put the template."""

    bucket: str
    key: str
    region: str

    @property
    def url(self) -> str:
        """The HTTPS URL Service Catalog loads the template from."""
        return f"https://{self.bucket}.s3.{self.region}.amazonaws.com/{self.key}"


def publish(aws: Aws, bucket: str, prefix: str, text: str) -> Published:
    """Upload the environment template under a versioned key."""
    from botocore.exceptions import ClientError

    from generator import __version__

    s3 = aws.client("s3")
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        code = error_code(error)
        if code in ("404", "NoSuchBucket", "NotFound"):
            raise CommandError(
                f"bucket {bucket} does not exist ({aws.searched()})"
            ) from error
        if code in ("403", "AccessDenied", "Forbidden"):
            raise CommandError(f"no access to bucket {bucket}") from error
        raise
    located = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    bucket_region = located or "us-east-1"
    if bucket_region != aws.region:
        raise CommandError(
            f"bucket {bucket} is in {bucket_region}, not {aws.region}; publish to a "
            f"bucket in the portfolio's region, or pass --region {bucket_region}"
        )
    parts = (prefix.strip("/"), __version__, ENVIRONMENT_YAML)
    key = "/".join(part for part in parts if part)
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=text.encode("utf-8"),
        ContentType="application/x-yaml",
        Tagging="servicecatalog:provisioning=true",
    )
    return Published(bucket=bucket, key=key, region=str(aws.region))
