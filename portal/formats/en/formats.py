from django.conf.locale.en.formats import *  # noqa: F401,F403

NUMBER_GROUPING = 3
