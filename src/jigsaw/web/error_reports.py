"""What an error report may show: never the database's address or credentials, keys or cookies."""

from __future__ import annotations

import re

from django.views.debug import SafeExceptionReporterFilter


class SecretsHiddenFilter(SafeExceptionReporterFilter):
    """Django's filter, also hiding anything about the database and any URL-with-credentials.

    Django already hides settings and request headers whose names contain KEY, SECRET, PASS,
    TOKEN, API, SIGNATURE or COOKIE. The database's URL (``JIGSAW_DATABASE_URL``,
    ``DATABASE_URL``, which Django's development server copies into ``request.META``) and the
    ``DATABASES`` setting (host, name, user) are hidden too, and so is any value that carries a
    password inside a URL, whatever its name.
    """

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE|DSN|OTP", flags=re.I
    )
    _credentials_in_url = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]*@", flags=re.I)

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str) and self._credentials_in_url.search(cleansed):
            return self.cleansed_substitute
        return cleansed
