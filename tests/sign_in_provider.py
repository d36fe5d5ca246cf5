"""A real OpenID Connect provider for the sign-in tests: oidc-provider-mock, run as its own
process on a loopback port, so sign-in is tested over HTTP against signed tokens and nothing
reaches the internet.

The provider signs whatever claims a test gives a person (`person`), including a wrong `aud` or
a past `exp`: that is how the tests get the tokens a misbehaving or slow provider would send.
"""

import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

CLIENT_ID = "peer-mentoring"
CLIENT_SECRET = "not-a-real-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningProvider:
    issuer: str

    def person(self, subject: str, **claims) -> str:
        """Give the provider a person (their subject) with these claims; returns the subject."""
        response = requests.put(f"{self.issuer}/users/{subject}", json=claims, timeout=5)
        response.raise_for_status()
        return subject

    def settings_for(self, key="nhsmail", label="NHSmail", **overrides) -> dict:
        """One entry of settings.SIGN_IN_PROVIDERS for this provider."""
        entry = {
            "label": label,
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "allowed_domains": ["nhs.net"],
            "scopes": "openid email profile",
            "email_claim": "email",
            "email_verified_claim": "email_verified",
            "mfa_amr": ["mfa"],
            "mfa_acr": [],
        }
        entry.update(overrides)
        return {key: entry}

    def authorize(self, authorize_url: str, subject: str) -> str:
        """Do what the person does on the provider's page: sign in as `subject`. Returns the
        address the provider sends them back to (the callback with a code and the state)."""
        response = requests.post(
            authorize_url, data={"sub": subject}, allow_redirects=False, timeout=5
        )
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]


@contextmanager
def running_provider():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--require-nonce"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "the OpenID Connect provider did not start: "
                        + process.stderr.read().decode()[-2000:]
                    ) from None
                time.sleep(0.1)
        yield RunningProvider(issuer=issuer)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        process.stderr.close()


def path_of(url: str) -> str:
    """The path and query of an absolute address, for Django's test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
