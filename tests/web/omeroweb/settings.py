# Settings of the OMERO.web stand-in: read from $OMERODIR/etc/grid/config.xml
# (the __ACTIVE__ profile), as omero-web does.
import os
import xml.etree.ElementTree as ET

OMERODIR = os.environ["OMERODIR"]


def _config():
    path = os.path.join(OMERODIR, "etc", "grid", "config.xml")
    props = {}
    if os.path.exists(path):
        for block in ET.parse(path).getroot().findall("properties"):
            if block.get("id") == "__ACTIVE__":
                for p in block.findall("property"):
                    props[p.get("name")] = p.get("value")
    return props


CONFIG = _config()
SECRET_KEY = "omero-web-stand-in"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "django.contrib.sessions",
    "omeroweb.webclient",
    "omeroweb.webgateway",
]
MIDDLEWARE = []
ROOT_URLCONF = "omeroweb.urls"
DATABASES = {}
USE_TZ = True
STATIC_URL = CONFIG.get("omero.web.static_url", "/static/")
STATIC_ROOT = CONFIG.get("omero.web.static_root") or os.path.join(OMERODIR, "var", "static")
_prefix = CONFIG.get("omero.web.prefix", "").rstrip("/")
FORCE_SCRIPT_NAME = _prefix or None
SESSION_ENGINE = "django.contrib.sessions.backends.file"
SESSION_FILE_PATH = os.path.join(OMERODIR, "var", "sessions")
os.makedirs(SESSION_FILE_PATH, exist_ok=True)
LOGGING = {
    "version": 1,
    "formatters": {"omero": {"format": "%(asctime)s %(levelname)5.5s [%(name)s] %(message)s"}},
    "handlers": {"file": {"class": "logging.FileHandler", "formatter": "omero",
                          "filename": os.path.join(OMERODIR, "var", "log", "OMEROweb.log")}},
    "root": {"handlers": ["file"], "level": "INFO"},
}
os.makedirs(os.path.join(OMERODIR, "var", "log"), exist_ok=True)
