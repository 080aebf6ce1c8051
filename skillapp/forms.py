"""Forms shared by several features."""

from flask_wtf import FlaskForm


class Form(FlaskForm):
    """The base of every form. Its hidden CSRF field has no id: a page with
    several forms would otherwise repeat id="csrf_token" (WCAG 4.1.1)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        token = getattr(self, "csrf_token", None)
        if token is not None and hasattr(token, "id"):
            token.id = False


class CsrfOnlyForm(Form):
    """For pages whose fields are built from data; only the CSRF token is declared."""
