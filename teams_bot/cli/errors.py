"""The one error a CLI command raises to exit with status 2 and a message."""


class CliError(Exception):
    """A user-facing CLI failure; the message names the file, field or value at fault."""
