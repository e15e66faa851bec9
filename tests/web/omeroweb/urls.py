from django.http import HttpResponse
from django.urls import path


def index(request):
    return HttpResponse("OMERO.web stand-in SCRIPT_NAME=%s PATH=%s\n"
                        % (request.META.get("SCRIPT_NAME", ""), request.path),
                        content_type="text/plain")


urlpatterns = [path("", index), path("webclient/", index)]
