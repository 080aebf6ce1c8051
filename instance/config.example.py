# Copy to instance/config.py and adjust. Environment variables SKILLAPP_<NAME>
# override these (e.g. SKILLAPP_DATABASE_URL).

# PostgreSQL in production:
# DATABASE_URL = "postgresql+psycopg://skillapp@db.example.lg.jp/skillapp"

# The city's name, shown in the header and on certificates.
# CITY_NAME = "○○市"

# Behind a reverse proxy that sets X-Forwarded-For / -Proto:
# PROXY_FIX_X_FOR = 1

# Local http only (never in production): allow the session cookie without TLS.
# SESSION_COOKIE_SECURE = False
