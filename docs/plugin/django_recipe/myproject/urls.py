from django.urls import path

from myproject.views import sign_up

urlpatterns = [path("sign-up/", sign_up)]
