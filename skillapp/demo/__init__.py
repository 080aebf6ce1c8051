"""The demo city: a roster, an account for each role, attempts."""
