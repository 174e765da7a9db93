"""Error pages in the site's style and language."""

from flask import Response, render_template
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kabinet import messages
from kabinet.extensions import db

PAGES = {
    400: (_l("Неверный запрос"), _l("Сервер не понял запрос. Вернитесь назад и попробуйте ещё раз.")),
    403: (_l("Доступ запрещён"), _l("У вас нет прав на эту страницу.")),
    404: (_l("Страница не найдена"), _l("Такой страницы нет. Проверьте адрес или начните с главной.")),
    405: (_l("Действие не поддерживается"), _l("Эту страницу нельзя открыть таким способом.")),
    413: (_l("Слишком большой файл"), _l("Файл или форма слишком велики. Уменьшите размер и попробуйте ещё раз.")),
    429: (
        _l("Слишком много попыток"),
        _l("Вы отправили слишком много запросов. Подождите немного и попробуйте снова."),
    ),
    500: (
        _l("Ошибка на сервере"),
        _l("Что-то пошло не так. Мы уже знаем об ошибке; попробуйте через несколько минут."),
    ),
}


# A body past this is closed on rather than read: nginx (deploy/nginx/kabinet.conf) lets no more than 20 MB through.
DRAIN_AT_MOST = 64 * 1024 * 1024


def render_error(code: int, detail=None):
    title, text = PAGES[code]
    if request_ctx.url_adapter is None:
        # A request for a host not in TRUSTED_HOSTS cannot build links to our pages: a bare answer will do.
        return Response(f"{code} {title}", code, mimetype="text/plain")
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def init_app(app):
    """Answer every HTTP error with a page of our own; a CSRF failure explains itself."""

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(400, messages.FORM_EXPIRED.text)

    @app.errorhandler(HTTPException)
    def _http(error):
        if error.code == 413:
            _read_refused_body()
        if error.code == 429:
            _record_lockout()
            if error.response is not None:  # the limit chose its own answer (kabinet.limits.per_recipient)
                return error.response
        if error.code in PAGES:
            return render_error(error.code)
        return error

    @app.errorhandler(Exception)
    def _crash(error):
        app.logger.exception("Unhandled error")
        db.session.rollback()  # the page itself may need the database
        return render_error(500)


def _read_refused_body() -> None:
    """Read the rest of a body too large to take, so that our page reaches the visitor. Answering and closing while
    nginx still sends it resets the connection, and nginx then shows its 502 instead (one 17 MB upload in 25)."""
    from flask import request

    remaining = request.content_length or 0
    if remaining > DRAIN_AT_MOST:
        return
    stream = request.environ["wsgi.input"]
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 16))
        if not chunk:
            break
        remaining -= len(chunk)


def _record_lockout() -> None:
    """A rate limit hit is a security event: which form, from where, about which login."""
    from flask import request

    from kabinet import audit

    try:
        audit.record(audit.RATE_LIMITED, target=request.endpoint or request.path, actor=request.form.get("login", ""))
        db.session.commit()
    except Exception:  # noqa: BLE001 -- the 429 page must be shown even when the database is the problem
        db.session.rollback()
