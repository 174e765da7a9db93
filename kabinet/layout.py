"""The layout's fixed cost, cut: the templates' translations looked up once per request and language, and the
tenant's menu rendered once per language and section.

Every page draws the same layout: about forty `_()` calls and the menu's seven links. Flask-Babel finds the request's
translations anew for each `_()` (a dozen context lookups and the locale turned into a string), and the menu is the
same HTML for every tenant in the same section and language. bench/pagecost.py shows what this saves.
"""

from flask import Flask, current_app, g, request
from flask_babel import get_locale, get_translations
from markupsafe import Markup

CACHED = "_kabinet_translations"


def translations():
    """The request's translations, found once per request and language. force_locale() (an e-mail in the recipient's
    language) puts another locale object in force, so the cache holds the very locale object it was found for."""
    in_force = getattr(g.get("_flask_babel"), "babel_locale", None)
    cached = g.get(CACHED)
    if cached is not None and cached[0] is in_force is not None:
        return cached[1]
    found = get_translations()  # sets the request's locale when it was not chosen yet
    if g:
        setattr(g, CACHED, (getattr(g.get("_flask_babel"), "babel_locale", None), found))
    return found


def cabinet_menu() -> Markup:
    """The tenant's menu with the current section marked, rendered once per language, section and mount point."""
    menus = current_app.extensions.setdefault("kabinet_menus", {})
    key = (str(get_locale()), request.blueprint, request.script_root)
    if key not in menus:
        # Straight from Jinja: render_template would run the context processors, a query for `company` among them.
        menus[key] = Markup(current_app.jinja_env.get_template("_menu.html").render(section=request.blueprint))
    return menus[key]


def init_app(app: Flask) -> None:
    """Install the cached translations as the templates' `_()` and the cached menu as `cabinet_menu()`."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.add_template_global(cabinet_menu, "cabinet_menu")
