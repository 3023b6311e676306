from channels.generic.websocket import WebsocketConsumer
from django.contrib.auth.models import User


class SignUpConsumer(WebsocketConsumer):
    """A sync consumer: each handler runs in a worker thread and may use the ORM."""

    def connect(self):
        self.accept()

    def receive(self, text_data=None, bytes_data=None):
        User.objects.create(username=text_data)
        self.send(text_data=str(User.objects.count()))
