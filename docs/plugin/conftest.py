# The Django recipe is a project of its own (its own pytest.ini and settings); the plugin's
# test suite runs it with pytester (tests/plugin/test_django.py), so it is not collected here.
collect_ignore = ["django_recipe"]
