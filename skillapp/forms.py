"""Forms shared by several features."""

from flask_wtf import FlaskForm


class CsrfOnlyForm(FlaskForm):
    """For pages whose fields are built from data; only the CSRF token is declared."""
