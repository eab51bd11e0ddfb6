"""One hierarchy for the errors Narrazioni raises on purpose (the lowest layer, so every package may import it).

An :class:`ErroreNarrazioni` is an expected failure with a message for the **person using the product**
(operator, administrator, researcher): in Italian, one line, saying what is wrong and what to do. The CLI
catches the base class once and prints the message without a traceback; the form and the dashboard show it
as it is. Developers' logs (``logging``, tracebacks) stay in English.

Each concrete class also keeps the standard base it had before (``ValueError``, ``RuntimeError``,
``OSError``, ``PermissionError``), so ``except ValueError`` in callers keeps working.

Not in the hierarchy, on purpose: control-flow exceptions that never reach a person (the worker's
``Interrotto``, the pipeline's ``_GiaFallito``, the form's ``CorpoTroppoGrande``), errors only developers
see (``analisi.corpus.ErroreDatiReali``: the real development set of a checkout with ``../shared``, read by
training/evaluation scripts and tests; English), and bugs (plain ``TypeError``/``AssertionError``...), which
must stay loud. ``tests/test_lingua_errori.py`` checks that the messages written for the hierarchy are Italian.
"""

from __future__ import annotations

__all__ = ["ErroreConfigurazione", "ErroreCruscotto", "ErroreDati", "ErroreNarrazioni", "ErroreOperazione",
           "ErrorePermesso", "PermessoNegato"]


class ErroreNarrazioni(Exception):
    """Base of every error meant for a person; ``str(e)`` is the message to show (Italian)."""


class ErroreDati(ErroreNarrazioni):
    """What a person gave cannot be accepted: an input file or line, a form field, a command-line option."""


class ErroreConfigurazione(ErroreNarrazioni):
    """The installation or the settings are not usable: key file, language model, taxonomy, stages."""


class ErroreOperazione(ErroreNarrazioni):
    """A request the store or a command refuses or cannot complete (backup, restore, printing, a review)."""


class ErrorePermesso(ErroreNarrazioni):
    """The person is not allowed to do this (role, too many failed logins)."""


class ErroreCruscotto(ErroreOperazione, ValueError):
    """A request the dashboard's store refuses (with an Italian message for the page)."""


class PermessoNegato(ErrorePermesso, PermissionError):
    """Raised when a function reserved to a role is called for another role."""
