"""Errors an operator fixes, not a programmer: said in one line, with a non-zero exit, never a
traceback (the CLI catches them, workers/cli.py)."""

from __future__ import annotations


class OperatorError(Exception):
    """Configuration or broker access that stops a command before it does anything.

    The message names the cause and the setting to check; it never carries a secret or PHI.
    """

    exit_code = 2


class SettingsError(OperatorError):
    """A setting (environment variable) or a file it names is unusable."""


class BrokerAccessError(OperatorError):
    """The broker cannot be reached, refuses the credentials, or does not authorise us."""
