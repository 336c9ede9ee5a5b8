"""What can be wrong with a body a source sends us. Each maps to one HTTP status."""


class FormError(Exception):
    """Base of the client mistakes `forms` reports; `status` is the HTTP answer."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadPayload(FormError):
    """Not readable at all: malformed JSON, wrong encoding, wrong top-level type."""

    status = 400


class UnexpectedShape(FormError):
    """The right vendor, but a field we need is missing or of the wrong type."""

    status = 422


class NotAnInquiry(FormError):
    """A genuine delivery that carries no inquiry (a ping, an event about something else).

    The service stores it and answers 202 `{"status": "ignored"}`, so the vendor does not retry it.
    """

    status = 202


class BadSignature(FormError):
    """Missing, wrong or expired signature."""

    status = 401


class UnknownSource(FormError):
    status = 404
