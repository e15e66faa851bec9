import logging
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omeroweb.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402
from omeroweb import settings  # noqa: E402

if settings.CONFIG.get("omero.web.standin.fail_boot") == "true":
    logging.getLogger("omeroweb").error("stand-in told to fail at boot (omero.web.standin.fail_boot)")
    raise RuntimeError("stand-in told to fail at boot")

application = get_wsgi_application()
logging.getLogger("omeroweb").info("OMERO.web stand-in ready")
