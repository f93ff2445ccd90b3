"""Failures a task expects and explains: Stash shows the message as the task's error."""


class TaskError(Exception):
    """A task cannot do its work; the message names the problem and the fix.

    `output` carries what the task did manage (e.g. how many jobs it queued), so
    Stash shows both the error and the partial result.
    """

    def __init__(self, message: str, output: object = None) -> None:
        super().__init__(message)
        self.output = output


class UnknownModeError(TaskError):
    """`args.mode` names no task."""
