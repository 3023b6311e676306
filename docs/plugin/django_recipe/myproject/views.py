from django.contrib.auth.models import User
from django.http import JsonResponse


def sign_up(request):
    """A sync view: Django runs it in a worker thread, with its own database connection."""
    User.objects.create(username=request.GET["name"])
    return JsonResponse({"users": User.objects.count()})
