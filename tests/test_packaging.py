"""The project installs what it declares, in one place, and lints clean."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest
import yaml

from zzforecast.cli import main


def _normalise(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement).lower()


def test_environment_yml_matches_pyproject(root):
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_normalise(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        declared |= {_normalise(r) for r in extra}
    env = yaml.safe_load((root / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {_normalise(r) for r in pip_section if not r.startswith("-e")}
    assert listed == declared, (
        f"only in environment.yml: {sorted(listed - declared)}; "
        f"only in pyproject.toml: {sorted(declared - listed)}"
    )
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.replace("python", "") == project["requires-python"]


def test_ruff_is_clean(root):
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=root,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_help_lists_every_command(capsys):
    # Every module of zzforecast/cli/ that registers a subcommand (has ``add_parser``) must
    # be listed by --help, and --help lists nothing else: a command module left out of
    # the CLI, or skipped while building the parser, fails here.
    import importlib
    import pkgutil

    import zzforecast.cli as cli

    modules = {info.name for info in pkgutil.iter_modules(cli.__path__)
               if hasattr(importlib.import_module(f"zzforecast.cli.{info.name}"), "add_parser")}
    assert {"validate", "reports", "runs"} <= modules
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    commands = out.split("  COMMAND\n", 1)[1].split("\noptions:", 1)[0]
    listed = set(re.findall(r"^    (\S+)", commands, flags=re.MULTILINE))
    assert listed == modules, (f"not in --help: {sorted(modules - listed)}; "
                               f"not a command module: {sorted(listed - modules)}")


def test_python_dash_m_runs_and_unknown_command_exits_2(root):
    result = subprocess.run([sys.executable, "-m", "zzforecast", "no-such-command"],
                            cwd=root, capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "invalid choice" in result.stderr


def test_kernel_zzforecast_is_registered():
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    assert "zzforecast" in specs, f"kernel 'zzforecast' not registered; found {sorted(specs)}"
