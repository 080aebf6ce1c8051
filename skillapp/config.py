"""Default settings.

Overridden, in this order, by ``instance/config.py`` and by ``SKILLAPP_*``
environment variables (``SKILLAPP_DATABASE_URL``, ``SKILLAPP_SESSION_COOKIE_SECURE`` …).
"""

from datetime import timedelta

# The database. None means a SQLite file in the instance folder (set in create_app).
DATABASE_URL = None

# Secret key: create_app generates one into instance/secret_key when none is configured.
SECRET_KEY = None

# The city profile (docs/content-format.md, placeholders). An administrator can
# also set each of these in the browser (管理 › 市の設定), which takes precedence.
# The city's name: in page titles, on certificates (修了証), and for {{city}}.
CITY_NAME = "デモ市"
# The names lessons give the city's documents: {{guideline}} and {{plan}}.
# None: "<city>のDX推進方針" and "<city>のDX推進計画".
CITY_GUIDELINE = None
CITY_PLAN = None
# The city's own short statement of its principles ({{principles}}); None: none.
CITY_PRINCIPLES = None

# The public address of the app, e.g. "https://skillapp.city.example.lg.jp".
# Certificates print their verification address from it. None: the address the
# certificate was downloaded from if TRUSTED_HOSTS lists the hosts the app
# answers to, else no address at all (the verification code and the page's
# path only), since the Host header of a request is the client's to choose.
PUBLIC_BASE_URL = None
# The host names the app answers to, e.g. ["skillapp.city.example.lg.jp"]
# (Flask's TRUSTED_HOSTS): a request for any other Host gets a 400.
TRUSTED_HOSTS = None

# Sessions (OWASP ASVS V3): server-side records, idle and absolute timeouts.
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
SESSION_COOKIE_NAME = "skillapp_session"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

# CSRF tokens live as long as the longest possible session, so that no quiz
# outlives the token of its form (content sync refuses a time limit longer than
# 12 hours). create_app sets WTF_CSRF_TIME_LIMIT from SESSION_ABSOLUTE_TIMEOUT
# unless it is configured itself.

# Login throttling, per (staff number, client address): after SLOWDOWN_AFTER
# failures each further try waits an exponentially growing delay; after
# LOCK_AFTER failures in LOCK_WINDOW that pair is locked for LOCK_DURATION.
LOGIN_SLOWDOWN_AFTER = 3
LOGIN_LOCK_AFTER = 10
LOGIN_LOCK_WINDOW = timedelta(minutes=15)
LOGIN_LOCK_DURATION = timedelta(minutes=15)
# However many addresses they come from: once a staff number has had
# LOGIN_ACCOUNT_LOCK_AFTER failures within LOGIN_ACCOUNT_WINDOW (ASVS 2.2.1: no
# more than 100 an hour), it is refused from every address its owner has never
# logged in from, until the failures age out or an administrator unlocks it.
# The owner's own usual addresses stay open, so nobody can lock anyone out.
LOGIN_ACCOUNT_LOCK_AFTER = 50
LOGIN_ACCOUNT_WINDOW = timedelta(hours=1)

# Passwords (ASVS V2.1): length only, no composition rules.
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128

# First passwords of the accounts a roster import creates: "random" (one per
# person, listed once in a file for HR to hand out, to be changed at first
# login) or "none" (no password until an administrator sets one). Never a
# shared default.
ROSTER_FIRST_PASSWORDS = "random"

# A roster import that adds at least this many new people (the first roster, a
# merger) checks its foreign keys once at the end instead of row by row; on
# PostgreSQL it holds the roster tables for the few seconds it writes.
ROSTER_BULK_LOAD_ROWS = 20_000

# Every spreadsheet an import reads (roster, results, training, survey) is
# read as a stream and refused, with a message, as soon as it goes past one of
# these: rows below the header, columns, and cells (each row up to its last
# value). 200,000 rows is far above any city's roster; the cells bound the
# memory a file can take (about 100 bytes a cell of Japanese text: a file at
# the limit takes about 300 MB; see docs/benchmarks.md, large uploads).
IMPORT_MAX_ROWS = 200_000
IMPORT_MAX_COLUMNS = 300
IMPORT_MAX_CELLS = 3_000_000

# The longest table offered as PDF, in rows (the not-yet list, an assignment's
# people). Longer lists are refused with a page that offers CSV and Excel,
# which have no limit: 20,000 rows are about 440 pages and take a few seconds
# (docs/benchmarks.md, docs/pdf.md).
PDF_MAX_ROWS = 20_000

# Trust X-Forwarded-For / -Proto from this many proxies (0 when serving directly).
PROXY_FIX_X_FOR = 0

# How pages write dates: "iso" (2026-12-05, 2026-12-05 01:49) or "wareki"
# (令和8年12月5日, 令和8年12月5日 1:49), the same on every page. English pages
# and files for other programs (CSV, Excel) always use ISO dates.
DATE_STYLE = "iso"

BABEL_DEFAULT_LOCALE = "ja"
BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"
LANGUAGES = {"ja": "日本語", "en": "English"}

# Item statistics show their figures only for a question with at least this
# many responses in the fiscal year: below it chance dominates them.
ITEM_STATS_MIN_RESPONSES = 20

# Where `skillapp content sync` looks by default (relative to the project root).
CONTENT_DIR = None

MAX_CONTENT_LENGTH = 20 * 1024 * 1024
