"""Fixtures shared by the tests that talk to (mocked) AWS."""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws


@pytest.fixture
def mocked_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and every AWS service mocked by moto, in us-east-1."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    with mock_aws():
        current_follows_its_label(monkeypatch)
        yield


def current_follows_its_label(monkeypatch: pytest.MonkeyPatch) -> None:
    """GetSecretValue without a VersionStage reads the version labelled AWSCURRENT
    (Secrets Manager API Reference, GetSecretValue); moto reads the version
    PutSecretValue last made current, even after UpdateSecretVersionStage moved
    the label. Moving the label here moves what moto reads too."""
    from moto.secretsmanager.models import SecretsManagerBackend

    relabel = SecretsManagerBackend.update_secret_version_stage

    def relabelled(self: Any, **kwargs: Any) -> Any:
        found = relabel(self, **kwargs)
        if kwargs["version_stage"] == "AWSCURRENT" and kwargs["move_to_version_id"]:
            secret = self.secrets[kwargs["secret_id"]]
            secret.set_default_version_id(kwargs["move_to_version_id"])
        return found

    monkeypatch.setattr(
        SecretsManagerBackend, "update_secret_version_stage", relabelled
    )


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's server on 127.0.0.1; every client of the commands talks to it."""
    from moto.server import ThreadedMotoServer

    monkeypatch.setattr(logging.getLogger("werkzeug"), "level", logging.WARNING)
    moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto_server.start()
    host, port = moto_server.get_host_and_port()
    url = f"http://{host}:{port}"
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    reset = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=5).close()  # the server shares moto's state
    yield url
    urllib.request.urlopen(reset, timeout=5).close()
    moto_server.stop()


@pytest.fixture(autouse=True)
def local_response_urls() -> Iterator[None]:
    """The function answers only CloudFormation's HTTPS URLs in S3; the tests'
    response server is plain HTTP on 127.0.0.1 (tests/function). A patch of its
    own, so a test's monkeypatch.undo() keeps it."""
    from custom_resources import stack_function

    patch = pytest.MonkeyPatch()
    patch.setattr(stack_function, "RESPONSE_SCHEMES", ("https", "http"))
    patch.setattr(
        stack_function, "RESPONSE_HOSTS", (*stack_function.RESPONSE_HOSTS, "127.0.0.1")
    )
    yield
    patch.undo()
