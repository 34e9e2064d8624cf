import os
import subprocess
import sys

import pytest


@pytest.fixture
def notify(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFY_")}
    env.update(NOTIFY_MODE="demo", NOTIFY_INSTANCE_PATH=str(tmp_path / "instance"))

    def run(*args, expect=0, extra_env=None):
        result = subprocess.run([sys.executable, "-m", "notify.cli", *args], env={
            **env, **(extra_env or {})}, capture_output=True, text=True, timeout=120,
            cwd=tmp_path)
        assert result.returncode == expect, result.stdout + result.stderr
        return result

    run("db", "upgrade")
    return run
