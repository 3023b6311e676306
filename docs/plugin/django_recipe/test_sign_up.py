import json

import pytest
from django.contrib.auth.models import User

# Django's sync views and consumers reach the database from worker threads, so the test
# must not hold it inside a transaction of its own: transaction=True.
pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def anyio_backend():
    return "asyncio"  # asgiref's sync_to_async, which Django uses, needs asyncio


async def test_view_and_consumer_share_the_database(asgi_http_factory, asgi_websocket_factory):
    async with asgi_http_factory("GET", "/sign-up/?name=alice") as communicator:
        response = await communicator.get_response()
    assert response["status"] == 200
    assert json.loads(response["body"]) == {"users": 1}

    async with asgi_websocket_factory("/ws/sign-up/") as communicator:
        connected, _ = await communicator.connect()
        assert connected
        await communicator.send_to(text_data="bob")
        assert await communicator.receive_from() == "2"

    # The test sees what the app wrote, and pytest-django's client still works alongside.
    assert await User.objects.acount() == 2


def test_pytest_django_client_is_untouched(client, asgi_app):
    assert client.get("/sign-up/?name=carol").json() == {"users": 1}
