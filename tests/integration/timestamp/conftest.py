"""Fixtures for time-stamping integration tests: real files, real OpenSSL, real HTTP."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import pytest

from timestamp.authority import Authority
from timestamp.clock import SystemClock
from timestamp.oids import TEST_POLICY
from timestamp.pki import init_authority
from timestamp.serials import FileSerials
from timestamp.server import make_wsgi_app, serve_in_thread


@pytest.fixture(scope="session", params=["ec", "rsa"])
def tsa_files(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp(f"tsa-{request.param}")
    # Real time: OpenSSL checks certificates against its own clock.
    return init_authority(directory, now=datetime.now(UTC), algorithm=request.param)


@pytest.fixture
def authority(tsa_files, tmp_path):
    return Authority.from_files(
        tsa_files,
        policy_oid=TEST_POLICY,
        serials=FileSerials(tmp_path / "serial"),
        clock=SystemClock(),
    )


@pytest.fixture
def tsa_url(authority):
    url, stop = serve_in_thread(make_wsgi_app(authority))
    yield url + "/tsa"
    stop()


@pytest.fixture
def openssl():
    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=20)
        if check and result.returncode:
            raise AssertionError(f"openssl {' '.join(args)} failed:\n{result.stderr}")
        return result

    return run
