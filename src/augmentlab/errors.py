"""One exception type for bad user input, so the CLI can turn it into one line and exit 2."""


class AugmentlabError(ValueError):
    """Raised for invalid user input: a bad file, field, value or spec.

    The message names the offending file, field or value and says what was expected.
    """


class AugmentlabNotice(UserWarning):
    """Something the library did on the user's behalf that they should know about (an
    image resized to the common size, say). The CLI prints each as one ``note:`` line."""
