"""What can go wrong, in two kinds: the user's input, and everything else.

:class:`InputError` is the base of every error that a user can fix by changing what they gave
(a scenario or experiment file, an option, an output folder, a cluster address). The command
line prints its message and exits with :data:`EXIT_INPUT`; any other exception is an internal
error. This module imports nothing, so the command line can catch these cheaply.

A run stopped from outside ends as an interrupt: Ctrl-C raises :class:`KeyboardInterrupt`, and
the command line turns SIGTERM and SIGHUP into :class:`Terminated`, a kind of it, so that every
path that keeps finished work after Ctrl-C keeps it after these signals too. The exit code then
says which signal it was (:func:`exit_code_for`), as a shell reports a process killed by it.
"""

from __future__ import annotations

EXIT_OK = 0
"""Success."""
EXIT_INTERNAL = 1
"""An internal error (a bug): the traceback is printed for the report."""
EXIT_INPUT = 2
"""Bad input: a scenario, experiment or observed-data file, an option, or an output path."""
EXIT_VERIFY_FAILED = 3
"""``borderflow verify``: a check of the model against queueing theory failed."""
EXIT_NOT_SERVED = 4
"""``run --strict``, ``compare --strict``: the results were written, but some travellers were
not served (their wait had not ended when the run stopped at the drain limit), so the waits
understate what they would be."""
EXIT_HANGUP = 129
"""Stopped by SIGHUP (the terminal closed): whatever had finished was kept."""
EXIT_INTERRUPTED = 130
"""Interrupted (Ctrl-C, SIGINT): whatever had finished was kept."""
EXIT_TERMINATED = 143
"""Stopped by SIGTERM (``kill``, ``timeout``, a batch scheduler): whatever had finished was
kept."""


def exit_code_for(signum: int | None) -> int:
    """The exit code of a command stopped by signal ``signum``: 128 + its number, the shell's
    convention (:data:`EXIT_TERMINATED` for SIGTERM, :data:`EXIT_HANGUP` for SIGHUP);
    :data:`EXIT_INTERRUPTED` for Ctrl-C or an unknown signal (None)."""
    return EXIT_INTERRUPTED if signum is None else 128 + signum


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread while a command runs, so that it stops the
    way Ctrl-C does (finished work kept, workers stopped). ``signum`` is the signal's number."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class InputError(Exception):
    """Something the user gave cannot be used; the message says what and where."""


class ArgumentError(InputError, ValueError):
    """An argument or command-line option out of range (``replications``, ``--jobs``...)."""


def whole(value: object, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` if it is a whole number in ``[minimum, maximum]``, else :class:`ArgumentError`
    (the same rule for the command line's options and the API's arguments)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        kind = "a positive" if minimum == 1 else "a non-negative" if minimum == 0 else "a"
        raise ArgumentError(f"{name} must be {kind} whole number, not {value!r}")
    if maximum is not None and value > maximum:
        raise ArgumentError(f"{name} must be at most {maximum:,}, not {value:,}")
    return value
