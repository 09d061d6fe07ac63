"""The ``shortfilm`` command: parses, calls the workflow, prints. No business rule lives here.

Errors the workflow raises on purpose (:class:`ShortfilmError`) print as one line and exit with
their code (2 for bad input); anything else is a bug and keeps its traceback.

The Typer ``app`` lives in :mod:`shortfilm.cli.common`; each other module adds one group of
commands to it when imported. Importing them here registers every command, in this order,
which is the order ``shortfilm --help`` lists them in.
"""

from __future__ import annotations

# isort: off
# The order is the order of `shortfilm --help`: top-level commands by module (board adds none),
# then the groups (board, take, qc, keyframe, edit, review, user). Do not sort.
from shortfilm.cli.common import app
from shortfilm.cli import production as production
from shortfilm.cli import status as status
from shortfilm.cli import templates as templates
from shortfilm.cli import trace as trace
from shortfilm.cli import jobs as jobs
from shortfilm.cli import board as board
from shortfilm.cli import takes as takes
from shortfilm.cli import take_new as take_new
from shortfilm.cli import planning as planning
from shortfilm.cli import quality as quality
from shortfilm.cli import edit as edit
from shortfilm.cli import timeline_texts as timeline_texts
from shortfilm.cli import timeline as timeline
from shortfilm.cli import review as review
from shortfilm.cli import users as users
from shortfilm.cli import accounts as accounts
from shortfilm.cli import variants as variants
from shortfilm.cli import metrics as metrics
from shortfilm.cli import library as library
# isort: on

__all__ = ["app", "main"]


def main() -> None:
    app()
