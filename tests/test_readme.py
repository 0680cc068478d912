"""Every command the README shows runs as shown (so the README cannot drift)."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"
# Commands that set the machine up or run this very suite are not re-run here.
SKIP = ("pip ", "python -m pytest")
# The demo inbox carries deliberate mistakes: these commands finish with exit 1 by design.
EXPECTED_EXIT = {"consolidate": (0, 1), "check": (0, 1), "score": (0, 1), "mail": (0, 1)}


def readme_commands() -> list[str]:
    blocks = re.findall(r"```shell\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            commands += [part.strip() for part in line.split("&&") if part.strip()]
    return [c for c in commands if not c.startswith(SKIP)]


def test_readme_has_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert 'pip install -e ".[test]" && jnqh demo 演示 && jnqh consolidate --config 演示/jnqh.toml' in text
    assert "python -m pytest" in text


def test_every_readme_command_runs(tmp_path):
    commands = readme_commands()
    assert commands[0].startswith("jnqh demo")
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "jnqh", command
        result = subprocess.run([sys.executable, "-m", "jnqh", *argv[1:]], cwd=tmp_path,
                                capture_output=True, text=True, encoding="utf-8")
        allowed = EXPECTED_EXIT.get(argv[1], (0,))
        assert result.returncode in allowed, f"{command}\n{result.stdout}\n{result.stderr}"
        assert "Traceback" not in result.stderr, command
