"""What a page refuses with. Unlike the API's problems (shared.errors), each is answered
with a page in Bahasa Indonesia, or a redirect to the sign-in form."""


class SignInRequired(Exception):
    """No live session: the browser is sent to `/login?next=<the page asked for>`."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageForbidden(Exception):
    """The page is another role's (or the form's CSRF token was missing or wrong): 403."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
