import django
from django.conf import settings

if not settings.configured:  # in a real project, your settings module does this
    settings.configure(SECRET_KEY="docs-example", ALLOWED_HOSTS=["testserver"])
    django.setup()

# --8<-- [start:test]
from django.core.asgi import get_asgi_application
from django.http import JsonResponse
from django.test import SimpleTestCase, override_settings
from django.urls import path

from asgitest import HttpCommunicator


def ping(request):
    return JsonResponse({"pong": True})


urlpatterns = [path("ping/", ping)]


@override_settings(ROOT_URLCONF=__name__)
class PingTests(SimpleTestCase):
    async def test_ping(self):
        application = get_asgi_application()
        async with HttpCommunicator(application, "GET", "/ping/") as communicator:
            response = await communicator.get_response()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.json(), {"pong": True})


# --8<-- [end:test]
