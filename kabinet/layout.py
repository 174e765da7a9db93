"""The layout's fixed cost, cut: the templates' translations and language looked up once per request and language,
`_()` answered in one step, and the tenant's menu rendered once per language and section.

Every page draws the same layout: about forty `_()` calls, the language asked for five times and the menu's seven
links. Flask-Babel finds the request's translations and locale anew for each call (a dozen context lookups each, and
the locale turned into a string), Jinja's `_()` goes through two calls of its own before reaching them, and the menu
is the same HTML for every tenant in the same section and language. bench/pagecost.py shows what this saves.
"""

from flask import Flask, current_app, g, request, session, url_for
from flask_babel import get_locale, get_translations
from flask_wtf.csrf import generate_csrf
from jinja2 import Template, pass_eval_context
from markupsafe import Markup

from kabinet import assets
from kabinet.kept import kept

CACHED = "_kabinet_translations"
GETTEXT = "_kabinet_gettext"  # the catalog's own `_()` (catalog_gettext)


def _context_globals() -> dict:
    """The attributes of the app context's `g` (Flask-Babel keeps its state there, we our cache); empty outside one."""
    try:
        return g._get_current_object().__dict__
    except RuntimeError:  # no app context: a script's e-mail, the PDF of a receipt made by the worker
        return {}


def page_locale():
    """The request's locale, as flask_babel.get_locale() answers it (force_locale() included), without its dozen
    context lookups once Babel has chosen it."""
    locale = getattr(_context_globals().get("_flask_babel"), "babel_locale", None)
    return locale if locale is not None else get_locale()


def translations():
    """The request's translations, found once per request and language. force_locale() (an e-mail in the recipient's
    language) puts another locale object in force, so the cache holds the very locale object it was found for."""
    context = _context_globals()
    in_force = getattr(context.get("_flask_babel"), "babel_locale", None)
    cached = context.get(CACHED)
    if cached is not None and cached[0] is in_force is not None:
        return cached[1]
    found = get_translations()  # sets the request's locale when it was not chosen yet
    if g:
        context[CACHED] = (getattr(context.get("_flask_babel"), "babel_locale", None), found)
    return found


def catalog_gettext(catalog):
    """The templates' `_()` for one language's catalog, made once per catalog: what Jinja's newstyle gettext does
    (translate, mark safe where the template autoescapes, fill the escaped variables in) in one call instead of three.
    It asks Jinja for the evaluation context only: a function given the whole context gets a copy of it made for each
    call inside a loop or a block with variables of its own (~10 calls each; a card has a dozen `_()`)."""
    made = vars(catalog).get(GETTEXT)
    if made is not None:
        return made
    kept = {}  # the catalog's translations marked safe, by message: the same safe string for every page

    @pass_eval_context
    def gettext(eval_context, message: str, **variables) -> str:
        if eval_context.autoescape:
            text = kept.get(message)
            if text is None:
                text = kept[message] = Markup(catalog.ugettext(message))
        else:
            text = catalog.ugettext(message)
        if not variables and "%" not in text:  # most of a page's strings: nothing to fill in, no "%%" to undo
            return text
        return text % variables

    vars(catalog)[GETTEXT] = gettext
    return gettext


@pass_eval_context
def gettext(eval_context, message: str, **variables) -> str:
    """The templates' global `_()` (macros imported without the page's context, templates made from strings): the
    translations in force found for each call."""
    return catalog_gettext(translations())(eval_context, message, **variables)


def page_gettext() -> dict:
    """A context processor: `_()` bound to the catalog of the language a template is rendered in (force_locale()
    included), found once per template instead of once per string."""
    bound = catalog_gettext(translations())
    return {"_": bound, "gettext": bound}


# The values an address is kept for: they never change, and no two of them are equal while written differently (True
# would equal 1).
PLAIN = {str, int, type(None)}


def page_url(endpoint: str, **values) -> str:
    """The templates' `url_for`: an address built once per mount point, endpoint and values, and kept. Flask builds it
    anew each time (~30 calls; ~20 links a page); an address depends on nothing else while the only URL defaults are
    the static files' digests (tests/test_page_cost.py checks it): a static file's address is kept per version of the
    file (assets.watched: in development its path, time and size, so that it follows the file as Flask's would; in
    production for the worker's life, as the templates are). Relative
    endpoints ("."), anchors, external addresses and values other than strings and numbers take Flask's way."""
    static = endpoint in assets.ENDPOINTS
    if (
        (static and values.keys() != {"filename"})
        or endpoint[:1] == "."
        or "_external" in values
        or "_anchor" in values
        or not set(map(type, values.values())) <= PLAIN
    ):
        return url_for(endpoint, **values)
    try:
        key = (request._get_current_object().script_root, endpoint, *values.items())
    except RuntimeError:  # outside a request: an e-mail's links
        return url_for(endpoint, **values)
    if static:
        key = (*key, assets.watched(endpoint, values["filename"]))
    return kept(current_app._get_current_object().extensions["kabinet_urls"], key, lambda: url_for(endpoint, **values))


def form_token() -> str:
    """The templates' `csrf_token()`: the session's token signed once and kept, where Flask-WTF signs it anew for
    every page (~180 calls). A token signed earlier is as good as a new one: WTF_CSRF_TIME_LIMIT is None (config.py),
    so its signature's time is never checked, and it is checked against the same session's secret."""
    app = current_app._get_current_object()
    if app.config["WTF_CSRF_TIME_LIMIT"] is not None or "csrf_token" not in session:
        return generate_csrf()  # the session's first form makes its secret (Flask-WTF keeps the token for the request)
    return kept(app.extensions["kabinet_form_tokens"], session["csrf_token"], generate_csrf)


def cabinet_menu() -> Markup:
    """The tenant's menu with the current section marked, rendered once per language, section and mount point."""
    menus = current_app.extensions.setdefault("kabinet_menus", {})
    key = (str(page_locale()), request.blueprint, request.script_root)
    # Straight from Jinja: render_template would run the context processors, a query for `company` among them.
    template = current_app.jinja_env.get_template
    return kept(menus, key, lambda: Markup(template("_menu.html").render(section=request.blueprint)))


def kept_fragment(template: str, /, **values) -> Markup:
    """A template that depends on nothing but its values, the page's language and the mount point (no user, no form
    token, no request: its header says so), rendered once per those and kept, as the menu is. An account card's
    service links are ~300 calls of Jinja's call protocol, addresses and `_()`, the same for every visit. Values other
    than strings and numbers are not kept (they could be equal while written differently)."""
    app = current_app._get_current_object()
    if not set(map(type, values.values())) <= PLAIN:
        return Markup(app.jinja_env.get_template(template).render(values))
    key = ("fragment", str(page_locale()), request._get_current_object().script_root, template, *values.items())
    # Straight from Jinja, like the menu: render_template would run the context processors (and their query).
    fragment = app.jinja_env.get_template
    return kept(app.extensions["kabinet_fragments"], key, lambda: Markup(fragment(template).render(values)))


def bootstrap_css() -> Markup:
    """Bootstrap-Flask's stylesheet tag (`bootstrap.load_css()`), made once per mount point and version of the file.
    It builds the address with Flask's url_for and looks up its integrity hash on every page (~120 calls); the tag
    changes with nothing else while the file is served from here without a theme (config.py), so it is kept like
    page_url's static addresses (assets.watched). A theme or the CDN takes Bootstrap-Flask's way."""
    app = current_app._get_current_object()
    extension = app.extensions["bootstrap"]
    if not app.config["BOOTSTRAP_SERVE_LOCAL"] or app.config["BOOTSTRAP_BOOTSWATCH_THEME"]:
        return extension.load_css()
    try:
        script_root = request._get_current_object().script_root
    except RuntimeError:  # outside a request
        return extension.load_css()
    key = ("bootstrap_css", script_root, assets.watched("bootstrap.static", f"css/{extension.bootstrap_css_filename}"))
    return kept(app.extensions["kabinet_urls"], key, extension.load_css)


class Page(Template):
    """Jinja's template, with `{% from "_macros.html" import ... %}` taking the imported module Jinja keeps.

    Jinja makes the module anew when the importing template has globals the imported one lacks, and to find out it
    subtracts one set of names from the other through Python's generic set code, a call for each of the ~30 globals
    on every import (~90 calls; the cabinet imports two macro files). Asking the same question with the built-in
    set's difference() gives the same answer, in a few calls."""

    def _get_default_module(self, ctx=None):
        if ctx is not None and not ctx.globals_keys.difference(self.globals):
            ctx = None  # nothing to add: the module Jinja keeps is the one it would make
        return super()._get_default_module(ctx)


def init_app(app: Flask) -> None:
    """Install the cached translations as the templates' `_()`, the cached locale as `get_locale()` and the cached
    menu as `cabinet_menu()`."""
    app.jinja_env.template_class = Page
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(_=gettext, gettext=gettext)
    app.context_processor(page_gettext)
    app.add_template_global(page_locale, "get_locale")
    app.add_template_global(cabinet_menu, "cabinet_menu")
    app.add_template_global(bootstrap_css, "bootstrap_css")
    app.add_template_global(kept_fragment, "kept_fragment")
    app.extensions["kabinet_fragments"] = {}
    app.extensions["kabinet_urls"] = {}
    app.extensions["kabinet_form_tokens"] = {}
    # Flask-WTF puts its csrf_token() in both places: the globals (macros imported without context) and a context
    # processor, which this later one overrides.
    app.add_template_global(form_token, "csrf_token")
    app.context_processor(lambda: {"csrf_token": form_token})
    app.add_template_global(page_url, "url_for")
