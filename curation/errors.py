"""The errors a user is shown as one clear line (the CLI prints them without a traceback). Kept apart
from the stages so the command line starts without importing pandas or the clients."""


class SourceError(Exception):
    """A problem that stops the run: a whole file (or the declaration) cannot be used."""


class ReleaseError(Exception):
    """A release cannot be written, or an earlier one is not what its manifest says."""


class LabelStudioError(Exception):
    """The server could not be reached or refused a request (message safe to print)."""


class PublishError(Exception):
    """A release cannot be published, or the Hub does not hold what the release's manifest says (the
    token is redacted from the message)."""
