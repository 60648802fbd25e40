"""`hubctl check --state` decrypts the secrets of an export the real engine wrote.

A stack with an OpenStack provider whose region is a secret (`pulumi config set --secret`) is
deployed in a private DIY backend (no cloud is needed to register a provider), then exported
twice: as stored (ciphertext) and with --show-secrets (plaintext). With the stack's passphrase,
hubctl must judge the encrypted export exactly as the plaintext one; without it, the value stays
masked.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.engine.conftest import REPO, StackFactory
from tests.hubctl_runner import run_hubctl

pytestmark = pytest.mark.engine

PASSPHRASE = "engine-test-only"  # the one make_stack gives its stacks


@pytest.fixture
def exports(make_stack: StackFactory, tmp_path: Path) -> tuple[Path, Path]:
    stack = make_stack("secret-region")
    stack.run("config", "set", "--secret", "region", "UK1")
    stack.run("up", "--yes", "--skip-preview")
    encrypted, plain = tmp_path / "export.json", tmp_path / "export-plain.json"
    encrypted.write_text(stack.run("stack", "export").stdout)
    plain.write_text(stack.run("stack", "export", "--show-secrets").stdout)
    return encrypted, plain


def hubctl_check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_hubctl("check", "--format", "json", *args, env=env, cwd=REPO, timeout=120)


def findings(done: subprocess.CompletedProcess[str]) -> set[tuple[str, str]]:
    return {(v["policy"], v["urn"]) for v in json.loads(done.stdout)["violations"]}


def messages(done: subprocess.CompletedProcess[str]) -> str:
    return " ".join(v["message"] for v in json.loads(done.stdout)["violations"])


def test_the_engine_writes_the_secret_region_as_ciphertext(exports):
    encrypted, plain = exports
    assert "UK1" not in encrypted.read_text() and '"ciphertext"' in encrypted.read_text()
    assert '"plaintext": "\\"UK1\\""' in plain.read_text()


def test_with_the_passphrase_file_the_encrypted_export_is_judged_as_the_plaintext_one(
    exports, tmp_path
):
    encrypted, plain = exports
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(PASSPHRASE + "\n")  # trimmed, as the CLI trims the file
    decrypted = hubctl_check("--state", str(encrypted), "--passphrase-file", str(passphrase))
    shown = hubctl_check("--state", str(plain))
    assert decrypted.returncode == 1, decrypted.stderr
    assert any(policy == "region-eu-only" for policy, _ in findings(decrypted))
    assert "'UK1'" in messages(decrypted)
    assert findings(decrypted) == findings(shown)


def test_decrypt_reads_the_passphrase_from_the_environment_as_the_cli_does(exports, tmp_path):
    encrypted, _ = exports
    file = tmp_path / "passphrase"
    file.write_text(PASSPHRASE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_CONFIG")}
    done = hubctl_check(
        "--state",
        str(encrypted),
        "--decrypt",
        env={**env, "PULUMI_CONFIG_PASSPHRASE_FILE": str(file)},
    )
    assert done.returncode == 1 and "'UK1'" in messages(done)


def test_without_the_passphrase_the_secret_value_stays_masked(exports):
    encrypted, _ = exports
    done = hubctl_check("--state", str(encrypted))
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr
    assert "UK1" not in done.stdout


def test_a_wrong_passphrase_is_a_usage_error(exports, tmp_path):
    encrypted, _ = exports
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-passphrase")
    done = hubctl_check("--state", str(encrypted), "--passphrase-file", str(wrong))
    assert done.returncode == 2
    assert "incorrect passphrase" in done.stderr and "secrets_providers.state.salt" in done.stderr
    assert "Traceback" not in done.stderr
