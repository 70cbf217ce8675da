"""The webhook examples in docs/intake.md run as printed: Python, and the shell with openssl and curl."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.intake.instance import SECRET, running_instance

DOCS = Path(__file__).resolve().parents[2] / "docs" / "intake.md"


def example(name: str) -> str:
    """The fenced block that follows `<!-- example: name -->` in docs/intake.md."""
    match = re.search(rf"<!-- example: {re.escape(name)} -->\n```\w+\n(.*?)```", DOCS.read_text(), re.S)
    assert match, f"docs/intake.md has no example {name!r}"
    return match.group(1)


@pytest.fixture(scope="module")
def instance():
    with running_instance(workers=1, threads=2) as running:
        yield running


def _env(instance) -> dict[str, str]:
    return {**os.environ, "TANDEM_URL": instance.url, "TANDEM_WEBHOOK_SECRET": SECRET}


def test_the_python_signing_example_delivers(instance):
    done = subprocess.run([sys.executable, "-c", example("webhook-python")], env=_env(instance),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("201 {'lead_id':"), done.stdout
    assert instance.query("Lead.objects.filter(email='pat@example.com').count()",
                          imports="from tandem.leads.models import Lead") == 1


@pytest.mark.skipif(not (shutil.which("openssl") and shutil.which("curl")), reason="needs openssl and curl")
def test_the_shell_signing_example_delivers(instance):
    done = subprocess.run(["sh", "-c", example("webhook-shell")], env=_env(instance), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '"lead_created": true' in done.stdout, done.stdout
    assert instance.query("Lead.objects.filter(email='kim@example.com').count()",
                          imports="from tandem.leads.models import Lead") == 1
