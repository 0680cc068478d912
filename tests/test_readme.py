"""Every command the README shows runs as shown (so the README cannot drift)."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"
# Commands that set the machine up or run this very suite are not re-run here.
SKIP = ("pip ", "python -m pytest")
# The exit code each README command has on the demo, as the README says: the weekly run
# finds the inbox's deliberate mistakes, and the demo registry lacks one county's address.
EXPECTED_EXIT = {"consolidate": 1, "mail": 1}


def readme_commands() -> list[str]:
    """The README's commands that this test runs (not the setup, not the suite itself)."""
    return [c for c in readme_commands_all() if not c.startswith(SKIP)]


def test_ci_runs_exactly_the_readmes_test_command():
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    commands = [c for c in readme_commands_all() if c.startswith("python -m pytest")]
    assert commands == ["python -m pytest"]
    assert ci.rstrip().splitlines()[-1] == commands[0]


def readme_commands_all() -> list[str]:
    blocks = re.findall(r"```shell\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    return [part.strip() for block in blocks for line in block.splitlines() for part in line.split("&&")
            if part.strip()]


def test_every_readme_command_runs(tmp_path):
    commands = readme_commands()
    assert commands[0].startswith("jnqh demo")
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "jnqh", command
        result = subprocess.run([sys.executable, "-m", "jnqh", *argv[1:]], cwd=tmp_path,
                                capture_output=True, text=True, encoding="utf-8")
        assert result.returncode == EXPECTED_EXIT.get(argv[1], 0), f"{command}\n{result.stdout}\n{result.stderr}"
        assert "Traceback" not in result.stderr, command
