"""One exception type for bad user input, so the CLI can turn it into one line and exit 2."""


class AugmentlabError(ValueError):
    """Raised for invalid user input: a bad file, field, value or spec.

    The message names the offending file, field or value and says what was expected.
    ``field``: the argument at fault, by its Python name (``per_class``), when the message
    begins with it; the CLI shows it as its flag (``--per-class``).
    """

    def __init__(self, message: str, *, field: str | tuple[str, ...] | None = None):
        super().__init__(message)
        self.field = field

    @property
    def fields(self) -> tuple[str, ...]:
        """The arguments at fault, by their Python names (none when not known)."""
        return () if self.field is None else (self.field,) if isinstance(self.field, str) else tuple(self.field)


class AugmentlabNotice(UserWarning):
    """Something the library did on the user's behalf that they should know about (an
    image resized to the common size, say). The CLI prints each as one ``note:`` line."""
