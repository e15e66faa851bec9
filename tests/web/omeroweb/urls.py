import os

from django.http import HttpResponse
from django.urls import path


def _release():
    # The release this process was started from (read once, at import).
    path = os.path.join(os.environ["OMERODIR"], "etc", "omero.properties")
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("omero.version="):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


RELEASE = _release()


def index(request):
    return HttpResponse("OMERO.web stand-in SCRIPT_NAME=%s PATH=%s release=%s\n"
                        % (request.META.get("SCRIPT_NAME", ""), request.path, RELEASE),
                        content_type="text/plain")


urlpatterns = [path("", index), path("webclient/", index)]
