#!/usr/bin/env python3
"""Fill a deploy/ template's @NAME@ places and print the result: the one way the site and the units are installed.

    python3 deploy/render.py deploy/nginx/kabinet.conf HOST=lk.example.ru > /etc/nginx/sites-available/kabinet

Every place has a default below except HOST; NAME=value on the command line overrides it. A place left without a
value, or a NAME no template knows, stops the rendering, so a typo never reaches nginx or systemd. Standard library
only: it runs with the server's own python3, before the project's virtualenv exists.
"""

import re
import sys
from pathlib import Path

DEFAULTS = {
    "DIR": "/srv/kabinet",  # the checkout: wsgi.py, static/, .venv/
    "USER": "kabinet",  # the system user the app, the worker and the backups run as
    "ENV_FILE": "/etc/kabinet/kabinet.env",  # deploy/kabinet.env.example, filled in
    "INSTANCE": "/var/lib/kabinet",  # KABINET_INSTANCE: the folder the services may write to
    # BACKUP_DIR: the backup service may write there too (another disk, say), and the status page looks there.
    "BACKUP_DIR": "@INSTANCE@/backups",
    "UPSTREAM": "127.0.0.1:8000",  # where gunicorn listens and nginx sends the requests
    "HTTP_PORT": "80",
    "HTTPS_PORT": "443",
    "TLS_DIR": "/etc/letsencrypt/live/@HOST@",  # certbot's fullchain.pem and privkey.pem
    # config.MAX_CONTENT_LENGTH (16 MB) plus room for the form around the file: the app itself answers a body over
    # its limit with its own page («Слишком большой файл»), nginx only stops what is far beyond it.
    "BODY_SIZE": "20m",
    "TIMEOUT": "360",  # gunicorn's --timeout and nginx's proxy timeouts: above IMPORT_MAX_SECONDS (300)
}
PLACE = re.compile(r"@([A-Z_]+)@")


def render(template: str, values: dict[str, str]) -> str:
    """The template with every @NAME@ replaced; ValueError names the places nobody gave a value."""
    unknown = set(values) - set(DEFAULTS) - {"HOST"}
    if unknown:
        raise ValueError(f"unknown names: {', '.join(sorted(unknown))} (known: HOST, {', '.join(DEFAULTS)})")
    filled = {**DEFAULTS, **values}
    text = template
    for _ in range(2):  # a default may itself name a place (TLS_DIR names HOST)
        text = PLACE.sub(lambda m: filled.get(m.group(1), m.group(0)), text)
    missing = sorted(set(PLACE.findall(text)))
    if missing:
        raise ValueError(f"no value for {', '.join(missing)}: add NAME=value to the command line")
    return text


def main(argv: list[str]) -> int:
    """Command line: TEMPLATE [NAME=value ...]; the rendered text goes to standard output."""
    if not argv or any("=" not in arg for arg in argv[1:]):
        print(__doc__, file=sys.stderr)
        return 2
    values = dict(arg.split("=", 1) for arg in argv[1:])
    try:
        sys.stdout.write(render(Path(argv[0]).read_text(encoding="utf-8"), values))
    except (OSError, ValueError) as error:
        print(f"render.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
