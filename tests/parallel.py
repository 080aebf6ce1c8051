"""Real parallel requests against the app: each in its own thread, test client,
app context and database session, as in a threaded server, released together."""

import threading
from dataclasses import dataclass

from skillapp.extensions import db

COOKIE = "skillapp_session"


@dataclass
class Answer:
    status: int
    location: str | None
    text: str


def post_in_parallel(
    app, path, *, data=None, n=20, cookie=None, environ=None, each=None, follow=False
):
    """POST ``path`` ``n`` times at once; returns every answer. A request that
    raised (a 500 in production) answers 500 with the exception as its text.

    ``cookie``: the session cookie to send (a signed-in user's); ``environ``:
    ``environ_base`` for every request, or ``each(i)`` gives one per request;
    ``follow``: the text is the page a redirect leads to (with its flashed
    messages, which only that request's client holds).
    """
    barrier = threading.Barrier(n)
    answers = []
    lock = threading.Lock()

    def run(i):
        tab = app.test_client()
        if cookie is not None:
            tab.set_cookie(COOKIE, cookie)
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                response = tab.post(
                    path,
                    data=data(i) if callable(data) else data,
                    environ_base=each(i) if each else (environ or {}),
                    follow_redirects=follow,
                )
                first = response.history[0] if response.history else response
                answer = Answer(first.status_code, first.location, response.get_data(as_text=True))
                with lock:
                    answers.append(answer)
            except Exception as exc:  # noqa: BLE001 — a 500, asserted by the caller
                with lock:
                    answers.append(Answer(500, None, repr(exc)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    db.session.expire_all()
    return answers


def session_cookie(client) -> str:
    return client.get_cookie(COOKIE).value
