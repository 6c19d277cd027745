"""Real botocore clients that answer from scripts, for the paths moto cannot reach.

`scripted("iam", list_access_keys=[{...}, error("Throttling")])` is a real botocore
client of the service: every request is built and validated against botocore's
service model (a parameter AWS does not know raises ParamValidationError, as it would
against AWS) and every scripted answer is validated against the operation's output
shape, as botocore's Stubber does. Answers are scripted per operation, the last one
repeating, so a test need not know the order of calls across operations; a scripted
ClientError becomes an error response, so the client raises the modelled exception
class (`client.exceptions.NoSuchEntityException` and friends). Nothing leaves the
process: the answer is given at botocore's `before-call` event, before any request
is signed or sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from botocore import xform_name
from botocore.exceptions import ClientError, ParamValidationError
from botocore.validate import validate_parameters

Answer = dict[str, Any] | Exception | Callable[..., Any]


def error(code: str, message: str = "", operation: str = "Op") -> ClientError:
    """A ClientError as botocore raises it for an AWS error response."""
    body: dict[str, Any] = {"Error": {"Code": code}}
    if message:
        body["Error"]["Message"] = message
    return ClientError(body, operation)


class Script:
    """The scripted answers of one client and the calls it received."""

    def __init__(self, client: Any, scripts: dict[str, list[Answer]]) -> None:
        self.client = client
        self.scripts = {name: list(answers) for name, answers in scripts.items()}
        self.calls: list[tuple[str, dict]] = []
        known = {xform_name(op) for op in client.meta.service_model.operation_names}
        unknown = sorted(set(self.scripts) - known)
        if unknown:
            raise AssertionError(
                f"{client.meta.service_model.service_name} has no operation "
                f"{', '.join(unknown)}"
            )
        events = client.meta.events
        events.register_first("before-parameter-build.*.*", self._record)
        events.register_first("before-call.*.*", self._answer)

    def called(self, name: str) -> list[dict]:
        """The parameters of every call to one operation (snake_case name)."""
        return [params for called, params in self.calls if called == name]

    def names(self) -> list[str]:
        """The operations called, in order (snake_case names)."""
        return [name for name, _ in self.calls]

    def _record(self, params: dict, model: Any, **_kwargs: Any) -> None:
        self.calls.append((xform_name(model.name), dict(params)))

    def _answer(self, model: Any, params: Any, **_kwargs: Any) -> tuple[Any, dict]:
        name = xform_name(model.name)
        script = self.scripts.get(name)
        if not script:
            raise AssertionError(f"unscripted AWS call: {model.name}")
        answer = script.pop(0) if len(script) > 1 else script[0]
        if callable(answer) and not isinstance(answer, Exception):
            answer = answer(**self.calls[-1][1])
        if isinstance(answer, ClientError):
            parsed = dict(answer.response)
            parsed.setdefault("Error", {}).setdefault("Message", "")
            parsed["ResponseMetadata"] = {"HTTPStatusCode": 400}
            return Status(400), parsed
        if isinstance(answer, Exception):
            raise answer
        if model.output_shape is not None:
            try:
                validate_parameters(answer, model.output_shape)
            except ParamValidationError as invalid:
                raise AssertionError(
                    f"the scripted answer to {model.name} is not one AWS could "
                    f"give: {invalid}"
                ) from invalid
        parsed = dict(answer)
        parsed["ResponseMetadata"] = {"HTTPStatusCode": 200}
        return Status(200), parsed


class _Body:
    """A raw body for the handlers that look at a reply's bytes (S3 checks a 200
    reply for an error document): an XML element that is no error."""

    content = b"<Scripted/>"

    def stream(self, **_kwargs: Any) -> Any:
        yield self.content

    def read(self, *_args: Any) -> bytes:
        return self.content


def Status(status_code: int) -> Any:  # noqa: N802 - stands where a class stood
    """The HTTP response botocore looks at after a before-call answer."""
    from botocore.awsrequest import AWSResponse

    return AWSResponse("", status_code, {}, _Body())


def scripted(service: str, region: str = "us-east-1", **scripts: list[Answer]) -> Any:
    """A real client of the service answering from `scripts`; see the module."""
    client = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=region,
    ).client(service)
    client.script = Script(client, scripts)
    return client
