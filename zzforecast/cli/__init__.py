"""The ``zzforecast`` command line: parse, call one library function, map errors.

Each subcommand lives in its own module of this package with two functions:
``add_parser(subparsers)`` and ``run(args) -> int``. Exit codes follow DESIGN.md:
0 success, 2 invalid input or arguments (one readable line per problem, no traceback),
1 internal error, 3 a batch that finished only in part.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from ..exceptions import UserError
from . import attain, audit, backtest, forecast, nowcast, reports, runs, track, validate

__all__ = ["main", "COMMANDS"]

# One module per subcommand, in the order --help lists them. Command modules import heavy
# libraries (statsmodels, papermill) inside ``run`` so that ``--help`` stays cheap.
COMMANDS = (validate, audit, forecast, nowcast, attain, reports, runs, backtest, track)


class _ArgumentParser(argparse.ArgumentParser):
    """argparse exits with 2 on bad arguments already; keep its message on one line."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(2, f"{self.prog}: error: {message}\n")


def _build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _ArgumentParser(
        prog="zzforecast",
        description="Will each industrial cluster zone reach this year's plan targets?",
    )
    parser.add_argument("--version", action="version", version=f"zzforecast {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=_ArgumentParser)
    subparsers.required = True
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UserError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            print(f"error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the machine, not the program: full disk, permissions, limits
        from ..data.writing import os_problem

        print(f"error: {os_problem(exc.filename or '<output>', exc)}", file=sys.stderr)
        return 2
    except Exception:  # an internal error: show everything a developer needs
        traceback.print_exc()
        print("internal error: please report this with the traceback above", file=sys.stderr)
        return 1
